"""The Clients section of the main navigation."""

from django.utils.translation import gettext_lazy as _

from kartoteka.core import navigation
from kartoteka.users import access

navigation.register(
    navigation.Section(
        key="clients",
        label=_("Clients"),
        url_name="clients:list",
        order=10,
        url_prefix="/clients/",
        allowed=lambda user: access.can_use(user, ["client"]),
    )
)
