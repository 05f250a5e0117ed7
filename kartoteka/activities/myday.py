"""My day: what a manager has to do today, and what a supervisor's team has to do (DESIGN §11).

:func:`my_day` gathers one day's plan: overdue and today's open tasks, today's meetings with their
address, tails, contact persons' birthdays (today and the next six days), contracts expiring within
:data:`RENEWAL_DAYS` days, and clients newly assigned (the last :data:`NEWLY_ASSIGNED_DAYS` days).

Whose day it is:

* by default the viewer's own — tasks assigned to them, clients they are responsible for;
* with ``person=`` another person's (a supervisor looking at one of their people);
* with ``team=True`` everyone in the viewer's team subtree, plus per-person counts (overdue, today,
  tails, meetings) computed by one aggregate query. ``team=True`` with ``person=`` gives that
  person's lists and the team's counts (the page's person switcher).

Every queryset starts from the access policy, so nobody sees more of the day than their scope: a
task assigned to someone on a client they cannot see shows the client's name only, and the address,
birthdays, renewals and new clients come only from clients the viewer sees.

Days are the viewer's local days (their ``time_zone``); the digest calls this for each person in
their own zone. The number of queries is fixed whatever the data (pinned in the tests):

* the viewer's roles (once per user object), and, for the team, the team subtree and its people;
* one each for overdue tasks, today's tasks, meetings (the address is a subquery), tails,
  birthdays (the last greeting is a subquery), renewals and new clients;
* for the team, one aggregate for the per-person counts.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import JSONObject
from django.utils import timezone

from kartoteka.activities import selectors
from kartoteka.activities.models import CONTACT_TASK_KINDS, MEETING_TASK_KINDS, Activity, ActivityKind, Task
from kartoteka.clients.models import Address, AddressKind, Client
from kartoteka.contacts.models import Contact
from kartoteka.notifications.formatting import user_zone
from kartoteka.users import access
from kartoteka.users.models import Scope, User

if TYPE_CHECKING:
    from collections.abc import Iterable

RENEWAL_DAYS = 30  # contracts ending within this many days are "renewals"
NEWLY_ASSIGNED_DAYS = 7  # clients given to a person within this many days are "newly assigned"
BIRTHDAY_WEEK_DAYS = 7  # today and the next six days
GREETING_LEAD_DAYS = 7  # a greeting logged this long before a birthday counts as the congratulation
MAX_ITEMS = 200  # per list; a team's day beyond this says so (counts stay exact)


# --- Whose day ---------------------------------------------------------------------------------------


def can_view_team(user: User) -> bool:
    """Supervisors and heads of sales (a client scope of "team" or wider, and a team) see their team's day."""
    return user.team_id is not None and access.scope(user, "client") >= Scope.TEAM


def team_people(user: User) -> QuerySet[User]:
    """Active people in the user's team subtree that the user may see, by name."""
    team_ids = access.context(user).team_ids
    return (
        access.visible(user, User).filter(is_active=True, team_id__in=sorted(team_ids)).order_by("last_name", "first_name", "id")
    )


# --- What the day holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meeting:
    task: Task
    # The task's place, else the client's actual (or legal) address when the viewer sees the client.
    address: str


@dataclass(frozen=True)
class Tail:
    task: Task
    days: int


@dataclass(frozen=True)
class Birthday:
    contact: Contact
    on: datetime.date  # the day it is celebrated in the window (28 February for 29 February in a common year)
    age: int | None
    congratulated: bool


@dataclass(frozen=True)
class Renewal:
    client: Client
    days_left: int


@dataclass(frozen=True)
class PersonCounts:
    person: User
    overdue: int = 0
    today: int = 0
    tails: int = 0
    meetings: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.today


@dataclass
class MyDay:
    day: datetime.date
    now: datetime.datetime
    zone: datetime.tzinfo
    team: bool
    # Whose lists these are: one person, or the whole team.
    people: list[User]
    person: User | None
    overdue: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    tails: list[Tail] = field(default_factory=list)
    birthdays_today: list[Birthday] = field(default_factory=list)
    birthdays_week: list[Birthday] = field(default_factory=list)
    renewals: list[Renewal] = field(default_factory=list)
    newly_assigned: list[Client] = field(default_factory=list)
    # team=True only: everyone in the team subtree, in the order of ``team_members``.
    counts: list[PersonCounts] = field(default_factory=list)
    team_members: list[User] = field(default_factory=list)
    truncated: bool = False

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate(self.now, self.zone)

    @property
    def has_tasks(self) -> bool:
        return bool(self.overdue or self.today)

    @property
    def is_empty(self) -> bool:
        """Nothing at all to do or to know: no tasks, meetings, tails, birthdays, renewals or new clients."""
        return not (
            self.overdue
            or self.today
            or self.meetings
            or self.tails
            or self.birthdays_today
            or self.birthdays_week
            or self.renewals
            or self.newly_assigned
        )


def day_bounds(day: datetime.date, zone: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``day`` and of the day after, in ``zone`` (DST-safe)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), zone)
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min), zone)
    return start, end


def _celebrated_on(month: int, day_of_month: int, year: int) -> datetime.date:
    # Someone born on 29 February celebrates on the 28th in a common year.
    if month == 2 and day_of_month == 29 and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return datetime.date(year, month, day_of_month)


def birthday_window(day: datetime.date, days: int = BIRTHDAY_WEEK_DAYS) -> dict[tuple[int, int], datetime.date]:
    """(month, day) of a birthday → the date it is celebrated on within ``days`` days from ``day``.

    Wraps over the new year (30 December → 1–5 January next year) and maps 29 February onto
    28 February in common years.
    """
    window: dict[tuple[int, int], datetime.date] = {}
    for offset in range(days):
        date = day + datetime.timedelta(days=offset)
        window[(date.month, date.day)] = date
        if date.month == 2 and date.day == 28 and not calendar.isleap(date.year):
            window[(2, 29)] = date
    return window


def _age(birthday: datetime.date, on: datetime.date) -> int | None:
    age = on.year - birthday.year
    # A placeholder year (0001, 1900) means the year is unknown: no age then.
    return age if birthday.year > 1900 and 0 < age < 120 else None


def _address_text(parts: dict[str, Any] | None) -> str:
    if not parts:
        return ""
    return ", ".join(str(parts[key]) for key in ("postal_code", "region", "city", "street") if parts.get(key))


def _mark(user: User, tasks: Iterable[Task], now: datetime.datetime) -> None:
    """What the viewer may do with each task (no queries: clients are joined)."""
    for task in tasks:
        client = task.client
        task.client_visible = client is not None and access.can(user, "view", client)  # type: ignore[attr-defined]
        task.can_change = access.can(user, "change", task)  # type: ignore[attr-defined]
        task.can_log = (  # type: ignore[attr-defined]
            client is not None and task.is_contact and access.can(user, "change", client)
        )
        task.overdue = task.due_at < now  # type: ignore[attr-defined]


def my_day(
    user: User,
    *,
    day: datetime.date | None = None,
    now: datetime.datetime | None = None,
    team: bool = False,
    person: User | None = None,
) -> MyDay:
    """One day's plan as ``user`` may see it (see the module docstring for whose day and the queries).

    ``day`` is a date in the user's time zone (default: today there). Overdue tasks are those due
    before now (before the end of ``day`` when looking back); the day's tasks are the rest of the
    open tasks due within ``day``. ``person`` must be the user or one of :func:`team_people`; the
    view checks that — whatever is passed, nothing outside the user's access is shown.
    """
    now = now or timezone.now()
    zone = user_zone(user)
    day = day or timezone.localdate(now, zone)
    day_start, day_end = day_bounds(day, zone)

    members: list[User] = []
    if team:
        members = list(team_people(user))
    if person is not None:
        people = [person]
    elif team and members:
        people = members
    else:
        people = [user]
    ids = [someone.pk for someone in people]
    result = MyDay(day=day, now=now, zone=zone, team=team, people=people, person=person, team_members=members)

    overdue_until = min(now, day_end)
    today_from = max(now, day_start)
    tasks = selectors.open_tasks(user).filter(assignee_id__in=ids).select_related("client", "contact", "assignee")

    result.overdue = list(tasks.filter(due_at__lt=overdue_until).order_by("due_at", "id")[: MAX_ITEMS + 1])
    result.today = list(tasks.filter(due_at__gte=today_from, due_at__lt=day_end).order_by("due_at", "id")[: MAX_ITEMS + 1])

    address = (
        Address.objects.filter(client_id=OuterRef("client_id"), kind__in=[AddressKind.ACTUAL, AddressKind.LEGAL])
        .order_by(Case(When(kind=AddressKind.ACTUAL, then=Value(0)), default=Value(1), output_field=IntegerField()), "id")
        .values(parts=JSONObject(postal_code="postal_code", region="region", city="city", street="street"))[:1]
    )
    meeting_rows = list(
        tasks.filter(kind__in=sorted(MEETING_TASK_KINDS), due_at__gte=day_start, due_at__lt=day_end)
        .annotate(client_address=Subquery(address))
        .order_by("due_at", "id")[: MAX_ITEMS + 1]
    )
    tail_rows = list(
        selectors.tails(user, now=now)
        .filter(assignee_id__in=ids)
        .select_related("client", "contact", "assignee")[: MAX_ITEMS + 1]
    )
    result.truncated = any(len(rows) > MAX_ITEMS for rows in (result.overdue, result.today, meeting_rows, tail_rows))
    result.overdue, result.today = result.overdue[:MAX_ITEMS], result.today[:MAX_ITEMS]
    _mark(user, [*result.overdue, *result.today], now)
    _mark(user, meeting_rows, now)
    _mark(user, tail_rows, now)

    for task in meeting_rows[:MAX_ITEMS]:
        place = task.place
        if not place and task.client_visible:  # type: ignore[attr-defined]
            place = _address_text(task.client_address)  # type: ignore[attr-defined]
        result.meetings.append(Meeting(task=task, address=place))
    result.tails = [Tail(task=task, days=selectors.tail_days(task, now=now)) for task in tail_rows[:MAX_ITEMS]]

    _birthdays(user, result, ids, day_start)

    clients = access.visible(user, Client).filter(responsible_id__in=ids).select_related("responsible")
    renewals = clients.filter(
        contract_valid_until__gte=day, contract_valid_until__lte=day + datetime.timedelta(days=RENEWAL_DAYS)
    ).order_by("contract_valid_until", "name", "id")[:MAX_ITEMS]
    result.renewals = [
        Renewal(client=client, days_left=(client.contract_valid_until - day).days)  # type: ignore[operator]
        for client in renewals
    ]
    result.newly_assigned = list(
        clients.filter(responsible_since__gte=now - datetime.timedelta(days=NEWLY_ASSIGNED_DAYS)).order_by(
            "-responsible_since", "-id"
        )[:MAX_ITEMS]
    )

    if team and members:
        result.counts = _counts(user, members, now=now, day_start=day_start, day_end=day_end)
    return result


def _birthdays(user: User, result: MyDay, ids: list[int], day_start: datetime.datetime) -> None:
    window = birthday_window(result.day)
    matches = Q()
    for month, day_of_month in window:
        matches |= Q(birthday__month=month, birthday__day=day_of_month)
    last_greeting = (
        Activity.objects.filter(contact_id=OuterRef("pk"), kind=ActivityKind.GREETING)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    contacts = (
        access.visible(user, Contact)
        .filter(matches, is_active=True, client__responsible_id__in=ids, birthday__isnull=False)
        .select_related("client")
        .annotate(last_greeting_at=Subquery(last_greeting))
        .order_by("last_name", "first_name", "id")[:MAX_ITEMS]
    )
    found: list[Birthday] = []
    for contact in contacts:
        birthday: datetime.date = contact.birthday  # type: ignore[assignment]
        on = window[(birthday.month, birthday.day)]
        on = _celebrated_on(birthday.month, birthday.day, on.year)
        greeted_at = contact.last_greeting_at  # type: ignore[attr-defined]
        congratulated = greeted_at is not None and timezone.localdate(greeted_at, result.zone) >= on - datetime.timedelta(
            days=GREETING_LEAD_DAYS
        )
        found.append(Birthday(contact=contact, on=on, age=_age(birthday, on), congratulated=congratulated))
    found.sort(key=lambda item: item.on)  # stable: names stay in order within a day
    result.birthdays_today = [item for item in found if item.on == result.day]
    result.birthdays_week = [item for item in found if item.on != result.day]


def _counts(
    user: User, members: list[User], *, now: datetime.datetime, day_start: datetime.datetime, day_end: datetime.datetime
) -> list[PersonCounts]:
    """Per person: overdue, today's, tails and meetings, in one aggregate query over visible open tasks."""
    tails_before = now - selectors.tails_after()
    rows = (
        selectors.open_tasks(user)
        .filter(assignee_id__in=[member.pk for member in members], due_at__lt=day_end)
        .values("assignee_id")
        .annotate(
            overdue=Count("id", filter=Q(due_at__lt=min(now, day_end))),
            today=Count("id", filter=Q(due_at__gte=max(now, day_start))),
            tails=Count(
                "id",
                filter=Q(kind__in=sorted(CONTACT_TASK_KINDS), client__isnull=False, due_at__lt=tails_before),
            ),
            meetings=Count("id", filter=Q(kind__in=sorted(MEETING_TASK_KINDS), due_at__gte=day_start)),
        )
        .order_by()
    )
    by_person: dict[int, dict[str, int]] = {
        row["assignee_id"]: {name: row[name] for name in ("overdue", "today", "tails", "meetings")}  # type: ignore[literal-required]
        for row in rows
    }
    return [PersonCounts(person=member, **by_person.get(member.pk, {})) for member in members]
