from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "kartoteka.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        # They register themselves: access policies, background jobs.
        from kartoteka.marketing import access_rules, navigation, tasks  # noqa: F401
