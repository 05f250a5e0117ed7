from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "kartoteka.attachments"
    label = "attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        # Imported for their side effects: the access policy, and the client.deleted subscription.
        from kartoteka.attachments import access_rules, services  # noqa: F401
        from kartoteka.attachments.views import panel_context
        from kartoteka.clients import panels

        panels.register(
            panels.Panel(
                key="attachments",
                label=_("Files"),
                template="attachments/panel.html",
                context=panel_context,
                order=500,
                column="main",
            )
        )
