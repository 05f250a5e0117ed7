"""The manager's day in the main navigation: tasks, calendar, tails (My day is the home page)."""

from django.utils.translation import gettext_lazy as _

from kartoteka.core import navigation
from kartoteka.users import access


def _signed_in(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False))


for section in (
    navigation.Section(
        key="tasks", label=_("Tasks"), url_name="activities:tasks", order=20, url_prefix="/work/tasks/", allowed=_signed_in
    ),
    navigation.Section(
        key="calendar",
        label=_("Calendar"),
        url_name="activities:calendar",
        order=30,
        url_prefix="/work/calendar/",
        allowed=_signed_in,
    ),
    navigation.Section(
        key="tails",
        label=_("Tails"),
        url_name="activities:tails",
        order=40,
        url_prefix="/work/tails/",
        allowed=lambda user: access.can_use(user, ["client"]),
    ),
):
    navigation.register(section)
