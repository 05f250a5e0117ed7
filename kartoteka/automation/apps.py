from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "kartoteka.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        # They register themselves: the card's service-level note, rule firings on the timelines, the open-tasks
        # load counter, rule handlers and jobs.
        from kartoteka.automation import card_notes, handlers, loads, tasks, timeline  # noqa: F401
