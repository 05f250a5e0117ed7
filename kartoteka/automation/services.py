"""Writes for calendars and assignment queues. Administration, the rules engine and jobs call these.

Calendars and queues are configuration: only administrators change them (``actor=None`` is the
system itself: migrations, demo data, the rules engine acting on its own).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.automation.loads import user_loads
from kartoteka.automation.models import AssignmentQueue, CalendarTeam, QueueMember, QueueStrategy, WorkCalendar
from kartoteka.core import events
from kartoteka.users import access
from kartoteka.users.models import Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser | None


def _require_administrator(actor: Actor) -> None:
    if actor is not None and not access.is_administrator(actor):
        raise PermissionDenied("Only administrators configure automation.")


@transaction.atomic
def work_calendar_make_default(*, actor: Actor, calendar: WorkCalendar) -> WorkCalendar:
    """Make ``calendar`` the one default calendar; the previous default stops being it in the same transaction."""
    _require_administrator(actor)
    # Lock the current default first, so two administrators switching at once queue up behind each other.
    previous = list(WorkCalendar.objects.select_for_update().filter(is_default=True).exclude(pk=calendar.pk))
    for other in previous:
        other.is_default = False
        other.save(update_fields=["is_default"])
    if not calendar.is_default:
        calendar.is_default = True
        calendar.save(update_fields=["is_default"])
    events.publish(
        "work_calendar.default_changed",
        calendar_id=calendar.pk,
        previous_id=previous[0].pk if previous else None,
        actor_id=getattr(actor, "pk", None),
    )
    return calendar


@transaction.atomic
def work_calendar_set_teams(*, actor: Actor, calendar: WorkCalendar, teams: Iterable[Team]) -> WorkCalendar:
    """The teams that follow ``calendar`` (and, through the tree, their sub-teams that have none of their own).

    A team follows one calendar at most: one already on another calendar is an error naming that calendar.
    """
    _require_administrator(actor)
    wanted = {team.pk: team for team in teams}
    taken = CalendarTeam.objects.filter(team_id__in=list(wanted)).exclude(calendar=calendar).select_related("calendar")
    clashes = [
        _("“%(team)s” already follows “%(calendar)s”.") % {"team": wanted[link.team_id].name, "calendar": link.calendar.name}
        for link in taken
    ]
    if clashes:
        raise ValidationError({"teams": clashes})
    CalendarTeam.objects.filter(calendar=calendar).exclude(team_id__in=list(wanted)).delete()
    present = set(CalendarTeam.objects.filter(calendar=calendar).values_list("team_id", flat=True))
    CalendarTeam.objects.bulk_create([CalendarTeam(calendar=calendar, team_id=pk) for pk in wanted if pk not in present])
    events.publish("work_calendar.teams_changed", calendar_id=calendar.pk, actor_id=getattr(actor, "pk", None))
    return calendar


def _rotation[MemberT: QueueMember](members: Sequence[MemberT], after: int | None) -> list[MemberT]:
    """Members in turn order, starting with the one after ``after`` (the last assigned)."""
    for index, member in enumerate(members):
        if member.pk == after:
            return [*members[index + 1 :], *members[: index + 1]]
    return list(members)


@transaction.atomic
def queue_pick(*, queue: AssignmentQueue, on: datetime.date | None = None) -> User | None:
    """The next person to get work from ``queue``, or None when nobody can take it on ``on`` (today).

    Skipped: inactive members, deactivated users and people absent that day. Round robin takes the
    next one in turn; least loaded takes whoever has the least open work, ties going in turn. The
    queue row stays locked until the caller's transaction ends, so concurrent picks wait and never
    hand two pieces of work to the same turn (SQLite's IMMEDIATE transactions serialise them anyway).
    """
    locked = AssignmentQueue.objects.select_for_update().get(pk=queue.pk)
    day = on or timezone.localdate()
    available = User.objects.available(on=day).filter(pk=OuterRef("user_id"))
    members = list(
        QueueMember.objects.filter(queue=locked)
        .annotate(can_take=Exists(available))
        .select_related("user")
        .order_by("position", "pk")
    )
    candidates = [member for member in _rotation(members, locked.last_member_id) if member.is_active and member.can_take]
    if not candidates:
        return None
    chosen = candidates[0]
    if locked.strategy == QueueStrategy.LEAST_LOADED:
        loads = user_loads([member.user_id for member in candidates])
        chosen = min(candidates, key=lambda member: loads[member.user_id])  # the first in turn among equals
    locked.last_member = chosen
    locked.save(update_fields=["last_member"])
    queue.last_member = chosen
    return chosen.user
