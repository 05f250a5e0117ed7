from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "kartoteka.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        # They register themselves: access policies, the client card's panel, navigation, the search kind.
        from kartoteka.deals import access_rules, card_panels, navigation, search  # noqa: F401
