from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "kartoteka.activities"
    label = "activities"
    verbose_name = _("Activities and tasks")

    def ready(self) -> None:
        # They register themselves: access policies, event handlers, card panels, navigation.
        from kartoteka.activities import access_rules, card_panels, digest, handlers, navigation, task_panels  # noqa: F401
