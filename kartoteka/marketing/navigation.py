"""Leads from web forms in the main navigation, for roles with the "lead" scope."""

from django.utils.translation import gettext_lazy as _

from kartoteka.core import navigation
from kartoteka.users import access

navigation.register(
    navigation.Section(
        key="leads",
        label=_("Leads"),
        url_name="marketing:submissions",
        order=60,
        url_prefix="/marketing/",
        allowed=lambda user: access.can_use(user, ["lead"]),
    )
)
