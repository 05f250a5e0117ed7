"""The Deals section of the main navigation (the kanban), right after Clients."""

from django.utils.translation import gettext_lazy as _

from kartoteka.core import navigation
from kartoteka.users import access

navigation.register(
    navigation.Section(
        key="deals",
        label=_("Deals"),
        url_name="deals:kanban",
        order=15,
        url_prefix="/deals/",
        allowed=lambda user: access.can_use(user, ["deal"]),
    )
)
