from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomFieldsConfig(AppConfig):
    name = "kartoteka.customfields"
    label = "customfields"
    verbose_name = _("Custom fields")

    def ready(self) -> None:
        # The client and contact services validate custom values through this hook: clients cannot
        # import this app (it depends on clients), so the dependency is plugged in from this side.
        from kartoteka.clients import services as client_services
        from kartoteka.customfields.values import clean_values

        client_services.custom_fields_cleaner = clean_values
