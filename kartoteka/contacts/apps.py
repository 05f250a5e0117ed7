from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "kartoteka.contacts"
    label = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from kartoteka.contacts import access_rules, card_panels  # noqa: F401  (register the policies and card panels)
