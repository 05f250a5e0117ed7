from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "kartoteka.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from kartoteka.clients import access_rules, card_panels, navigation  # noqa: F401  (they register themselves)
