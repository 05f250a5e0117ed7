"""My day: the day's plan per person and per team, split by the viewer's time zone, scoped by access."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities import myday
from kartoteka.activities.models import Activity, ActivityKind
from kartoteka.clients.models import Client
from kartoteka.clients.services import address_save
from kartoteka.testing.factories import ActivityFactory, ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db

EKATERINBURG = zoneinfo.ZoneInfo("Asia/Yekaterinburg")  # UTC+5, Moscow + 2
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def at(day: datetime.date, hour: int, minute: int = 0, zone: datetime.tzinfo = EKATERINBURG) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)), zone)


def titles(tasks: list[Any]) -> list[str]:
    return [task.title for task in tasks]


@pytest.fixture
def day() -> datetime.date:
    return timezone.localdate(timezone.now(), EKATERINBURG)


@pytest.fixture
def now(day: datetime.date) -> datetime.datetime:
    """15:00 in Yekaterinburg on the test's day."""
    return at(day, 15)


@pytest.fixture
def manager(world: Any) -> Any:
    user = world.users["mgr_north1"]
    user.time_zone = "Asia/Yekaterinburg"
    user.save(update_fields=["time_zone"])
    return user


# --- Tasks: overdue, today, tomorrow ---------------------------------------------------------------


def test_overdue_and_today_split_by_the_users_time_zone(manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    client = ClientFactory(name="Uralmash", responsible=manager)
    TaskFactory(assignee=manager, client=client, title="yesterday", due_at=at(day - datetime.timedelta(days=1), 10))
    TaskFactory(assignee=manager, client=client, title="this morning", due_at=at(day, 13))
    TaskFactory(assignee=manager, client=client, title="tonight", due_at=at(day, 23, 30))
    # 00:30 tomorrow in Yekaterinburg is still 22:30 today in Moscow.
    TaskFactory(assignee=manager, client=client, title="after midnight", due_at=at(day + datetime.timedelta(days=1), 0, 30))
    TaskFactory(assignee=manager, client=client, title="later today", due_at=at(day, 16))

    plan = myday.my_day(manager, now=now)

    assert plan.day == day
    assert plan.is_today
    assert titles(plan.overdue) == ["yesterday", "this morning"]
    assert titles(plan.today) == ["later today", "tonight"]
    assert all(task.overdue for task in plan.overdue)
    assert not any(task.overdue for task in plan.today)


def test_the_same_moment_is_today_for_a_moscow_user(world: Any, day: datetime.date) -> None:
    moscow = world.users["mgr_north1"]  # the factory's default zone is Moscow
    client = ClientFactory(responsible=moscow)
    TaskFactory(assignee=moscow, client=client, title="after midnight", due_at=at(day + datetime.timedelta(days=1), 0, 30))

    plan = myday.my_day(moscow, day=day, now=at(day, 15))

    assert titles(plan.today) == ["after midnight"]


def test_tomorrows_my_day_keeps_what_is_overdue_now(manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    client = ClientFactory(responsible=manager)
    tomorrow = day + datetime.timedelta(days=1)
    TaskFactory(assignee=manager, client=client, title="overdue", due_at=at(day, 9))
    TaskFactory(assignee=manager, client=client, title="later today", due_at=at(day, 18))
    TaskFactory(assignee=manager, client=client, title="tomorrow", due_at=at(tomorrow, 10))
    with timezone.override(EKATERINBURG):  # an all-day task ends at midnight where it was planned
        TaskFactory(assignee=manager, client=client, title="tomorrow, all day", due_at=at(tomorrow, 12), all_day=True)

    plan = myday.my_day(manager, day=tomorrow, now=now)

    assert not plan.is_today
    assert titles(plan.overdue) == ["overdue"]
    assert titles(plan.today) == ["tomorrow", "tomorrow, all day"]


def test_closed_and_other_peoples_tasks_are_not_on_my_day(
    world: Any, manager: Any, day: datetime.date, now: datetime.datetime
) -> None:
    client = ClientFactory(responsible=manager)
    done = TaskFactory(assignee=manager, client=client, title="done", due_at=at(day, 16))
    from kartoteka.activities.services import task_complete

    task_complete(actor=manager, task=done, note="")
    TaskFactory(assignee=world.users["sup_north"], client=client, title="supervisor's", due_at=at(day, 16))

    plan = myday.my_day(manager, now=now)

    assert plan.overdue == []
    assert plan.today == []


# --- Meetings, tails -------------------------------------------------------------------------------


def test_meetings_show_the_place_or_the_clients_address(manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    with_actual = ClientFactory(name="With actual", responsible=manager)
    address_save(actor=None, client=with_actual, values={"kind": "legal", "city": "Moscow", "street": "Tverskaya 1"})
    address_save(actor=None, client=with_actual, values={"kind": "actual", "city": "Ekaterinburg", "street": "Lenina 5"})
    legal_only = ClientFactory(name="Legal only", responsible=manager)
    address_save(actor=None, client=legal_only, values={"kind": "legal", "city": "Perm", "street": "Mira 2"})
    TaskFactory(assignee=manager, client=with_actual, kind="meeting", title="A", due_at=at(day, 11))
    TaskFactory(assignee=manager, client=legal_only, kind="visit", title="B", due_at=at(day, 16))
    TaskFactory(assignee=manager, client=legal_only, kind="demo", title="C", due_at=at(day, 17), place="Our office, room 3")
    TaskFactory(assignee=manager, client=legal_only, kind="call", title="not a meeting", due_at=at(day, 17))
    TaskFactory(
        assignee=manager, client=legal_only, kind="meeting", title="tomorrow", due_at=at(day + datetime.timedelta(days=1), 11)
    )

    plan = myday.my_day(manager, now=now)

    assert [(meeting.task.title, meeting.address) for meeting in plan.meetings] == [
        ("A", "Ekaterinburg, Lenina 5"),
        ("B", "Perm, Mira 2"),
        ("C", "Our office, room 3"),
    ]


def test_tails_are_promised_contacts_long_past_their_deadline(manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    client = ClientFactory(responsible=manager)
    TaskFactory(assignee=manager, client=client, kind="call", title="tail", due_at=now - datetime.timedelta(days=5, hours=1))
    TaskFactory(assignee=manager, client=client, kind="todo", title="old to-do", due_at=now - datetime.timedelta(days=5))
    TaskFactory(assignee=manager, client=client, kind="call", title="yesterday", due_at=now - datetime.timedelta(days=1))

    plan = myday.my_day(manager, now=now)

    assert [(tail.task.title, tail.days) for tail in plan.tails] == [("tail", 5)]
    assert set(titles(plan.overdue)) == {"tail", "old to-do", "yesterday"}


# --- Birthdays -------------------------------------------------------------------------------------


def test_birthdays_today_and_this_week_from_my_clients_only(
    world: Any, manager: Any, day: datetime.date, now: datetime.datetime
) -> None:
    mine = ClientFactory(name="Mine", responsible=manager)
    theirs = ClientFactory(name="Theirs", responsible=world.users["mgr_south"])
    ContactFactory(client=mine, last_name="Today", birthday=day.replace(year=1980))
    ContactFactory(client=mine, last_name="InThree", birthday=(day + datetime.timedelta(days=3)).replace(year=1990))
    ContactFactory(client=mine, last_name="InTen", birthday=(day + datetime.timedelta(days=10)).replace(year=1990))
    ContactFactory(client=mine, last_name="Left", birthday=day.replace(year=1980), is_active=False)
    ContactFactory(client=theirs, last_name="Foreign", birthday=day.replace(year=1980))

    plan = myday.my_day(manager, now=now)

    assert [(item.contact.last_name, item.on, item.age) for item in plan.birthdays_today] == [("Today", day, day.year - 1980)]
    assert [item.contact.last_name for item in plan.birthdays_week] == ["InThree"]
    assert plan.birthdays_week[0].on == day + datetime.timedelta(days=3)


def test_birthdays_wrap_over_the_new_year(manager: Any) -> None:
    client = ClientFactory(responsible=manager)
    ContactFactory(client=client, last_name="January", birthday=datetime.date(1990, 1, 2))
    ContactFactory(client=client, last_name="December", birthday=datetime.date(1985, 12, 31))
    new_years_eve_eve = datetime.date(2025, 12, 30)

    plan = myday.my_day(manager, day=new_years_eve_eve, now=at(new_years_eve_eve, 9))

    assert [(item.contact.last_name, item.on, item.age) for item in plan.birthdays_week] == [
        ("December", datetime.date(2025, 12, 31), 40),
        ("January", datetime.date(2026, 1, 2), 36),
    ]


@pytest.mark.parametrize(
    ("today", "celebrated"),
    [
        (datetime.date(2027, 2, 25), datetime.date(2027, 2, 28)),  # a common year: on the 28th
        (datetime.date(2028, 2, 25), datetime.date(2028, 2, 29)),  # a leap year: on the day itself
    ],
)
def test_a_29_february_birthday_is_celebrated_every_year(manager: Any, today: datetime.date, celebrated: datetime.date) -> None:
    ContactFactory(client=ClientFactory(responsible=manager), last_name="Leap", birthday=datetime.date(2000, 2, 29))

    plan = myday.my_day(manager, day=today, now=at(today, 9))

    assert [(item.contact.last_name, item.on) for item in plan.birthdays_week] == [("Leap", celebrated)]


def test_birthday_window_maps_month_and_day_to_the_date_it_falls_on() -> None:
    window = myday.birthday_window(datetime.date(2025, 12, 29), days=4)

    assert window == {
        (12, 29): datetime.date(2025, 12, 29),
        (12, 30): datetime.date(2025, 12, 30),
        (12, 31): datetime.date(2025, 12, 31),
        (1, 1): datetime.date(2026, 1, 1),
    }


def test_a_greeting_logged_marks_the_birthday_congratulated(manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client, last_name="Greeted", birthday=day.replace(year=1980))
    ContactFactory(client=client, last_name="Waiting", birthday=day.replace(year=1981))
    ActivityFactory(client=client, kind=ActivityKind.GREETING, contact=contact, occurred_at=timezone.now())

    plan = myday.my_day(manager, now=max(now, timezone.now()))

    assert {item.contact.last_name: item.congratulated for item in plan.birthdays_today} == {
        "Greeted": True,
        "Waiting": False,
    }


# --- Renewals and new clients ----------------------------------------------------------------------


def test_contracts_expiring_within_thirty_days(manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    ClientFactory(name="Soon", responsible=manager, contract_valid_until=day + datetime.timedelta(days=10))
    ClientFactory(name="Today", responsible=manager, contract_valid_until=day)
    ClientFactory(name="Edge", responsible=manager, contract_valid_until=day + datetime.timedelta(days=30))
    ClientFactory(name="Later", responsible=manager, contract_valid_until=day + datetime.timedelta(days=31))
    ClientFactory(name="Expired", responsible=manager, contract_valid_until=day - datetime.timedelta(days=1))

    plan = myday.my_day(manager, now=now)

    assert [(renewal.client.name, renewal.days_left) for renewal in plan.renewals] == [
        ("Today", 0),
        ("Soon", 10),
        ("Edge", 30),
    ]


def test_clients_assigned_within_a_week_are_newly_assigned(manager: Any) -> None:
    fresh = ClientFactory(name="Fresh", responsible=manager)
    old = ClientFactory(name="Old", responsible=manager)
    Client.objects.filter(pk=old.pk).update(responsible_since=timezone.now() - datetime.timedelta(days=8))

    plan = myday.my_day(manager)

    assert [client.name for client in plan.newly_assigned] == ["Fresh"]
    assert plan.newly_assigned[0].pk == fresh.pk


# --- Access ----------------------------------------------------------------------------------------


def test_a_task_on_a_client_i_cannot_see_shows_no_address_and_no_link(
    world: Any, manager: Any, day: datetime.date, now: datetime.datetime
) -> None:
    foreign = ClientFactory(name="Foreign", responsible=world.users["mgr_south"])
    address_save(actor=None, client=foreign, values={"kind": "actual", "city": "Sochi", "street": "Secret 1"})
    TaskFactory(assignee=manager, client=foreign, kind="meeting", title="Cover for a colleague", due_at=at(day, 16))

    plan = myday.my_day(manager, now=now)

    assert titles(plan.today) == ["Cover for a colleague"]
    assert plan.today[0].client_visible is False
    assert plan.today[0].can_change is True
    assert plan.today[0].can_log is False
    assert [meeting.address for meeting in plan.meetings] == [""]


def test_a_supervisor_sees_the_team_with_per_person_counts_and_never_another_team(world: Any, day: datetime.date) -> None:
    supervisor, north1, south = world.users["sup_north"], world.users["mgr_north1"], world.users["mgr_south"]
    now = at(day, 15, zone=MOSCOW)
    mine = ClientFactory(name="North client", responsible=north1)
    southern = ClientFactory(name="South client", responsible=south)
    TaskFactory(assignee=north1, client=mine, kind="call", title="tail", due_at=now - datetime.timedelta(days=6))
    TaskFactory(assignee=north1, client=mine, kind="call", title="overdue", due_at=at(day, 10, zone=MOSCOW))
    TaskFactory(assignee=north1, client=mine, kind="meeting", title="meeting", due_at=at(day, 17, zone=MOSCOW))
    TaskFactory(assignee=north1, client=mine, kind="call", title="call", due_at=at(day, 18, zone=MOSCOW))
    TaskFactory(assignee=supervisor, title="own to-do", kind="todo", due_at=at(day, 19, zone=MOSCOW))
    TaskFactory(assignee=south, client=southern, kind="call", title="south overdue", due_at=at(day, 10, zone=MOSCOW))
    ContactFactory(client=southern, last_name="Southern", birthday=day.replace(year=1980))
    ClientFactory(name="South renewal", responsible=south, contract_valid_until=day + datetime.timedelta(days=3))

    plan = myday.my_day(supervisor, team=True, now=now)

    assert {person.email for person in plan.team_members} == {supervisor.email, north1.email}
    counts = {row.person.email: (row.overdue, row.today, row.tails, row.meetings) for row in plan.counts}
    assert counts == {north1.email: (2, 2, 1, 1), supervisor.email: (0, 1, 0, 0)}
    assert set(titles(plan.overdue)) == {"tail", "overdue"}
    assert titles(plan.today) == ["meeting", "call", "own to-do"]
    assert [client.name for client in plan.newly_assigned] == ["North client"]
    assert plan.birthdays_today == []
    assert plan.renewals == []

    one = myday.my_day(supervisor, team=True, person=north1, now=now)
    assert titles(one.today) == ["meeting", "call"]
    assert len(one.counts) == 2


def test_a_manager_never_sees_a_colleagues_clients(world: Any, manager: Any, day: datetime.date, now: datetime.datetime) -> None:
    south = world.users["mgr_south"]
    southern = ClientFactory(responsible=south, contract_valid_until=day + datetime.timedelta(days=3))
    ContactFactory(client=southern, birthday=day.replace(year=1980))
    TaskFactory(assignee=south, client=southern, title="theirs", due_at=at(day, 16))

    # Even asking for the colleague's day shows nothing the manager may not see.
    plan = myday.my_day(manager, person=south, now=now)

    assert plan.today == []
    assert plan.birthdays_today == []
    assert plan.renewals == []
    assert plan.newly_assigned == []


def test_can_view_team_is_for_supervisors_and_heads(world: Any) -> None:
    assert myday.can_view_team(world.users["sup_north"])
    assert myday.can_view_team(world.users["head"])
    assert not myday.can_view_team(world.users["mgr_north1"])
    assert not myday.can_view_team(world.users["admin"])  # no team to look at


# --- Queries ---------------------------------------------------------------------------------------


def _fill(manager: Any, day: datetime.date, now: datetime.datetime, copies: int) -> None:
    for number in range(copies):
        client = ClientFactory(responsible=manager, contract_valid_until=day + datetime.timedelta(days=5))
        address_save(actor=None, client=client, values={"kind": "actual", "city": "Perm", "street": f"Mira {number}"})
        contact = ContactFactory(client=client, birthday=day.replace(year=1980))
        ContactFactory(client=client, birthday=(day + datetime.timedelta(days=2)).replace(year=1980))
        ActivityFactory(client=client, kind=ActivityKind.GREETING, contact=contact)
        TaskFactory(assignee=manager, client=client, contact=contact, title="overdue", due_at=at(day, 9))
        TaskFactory(assignee=manager, client=client, title="tail", due_at=now - datetime.timedelta(days=6))
        TaskFactory(assignee=manager, client=client, kind="meeting", title="meeting", due_at=at(day, 16))
        TaskFactory(assignee=manager, kind="todo", title="to-do", due_at=at(day, 17))


@pytest.mark.parametrize("copies", [1, 10])
def test_a_managers_day_takes_a_fixed_number_of_queries(
    manager: Any, day: datetime.date, now: datetime.datetime, copies: int, django_assert_num_queries: Any
) -> None:
    _fill(manager, day, now, copies)
    access_fresh = type(manager).objects.get(pk=manager.pk)

    # 1 roles and scopes, 2 overdue, 3 today, 4 meetings (+ address), 5 tails, 6 birthdays (+ last greeting),
    # 7 renewals, 8 newly assigned.
    with django_assert_num_queries(8):
        plan = myday.my_day(access_fresh, now=now)
        [meeting.address for meeting in plan.meetings]
        [(task.client, task.contact, task.assignee) for task in plan.overdue + plan.today]
        [(item.contact.client.name, item.congratulated) for item in plan.birthdays_today + plan.birthdays_week]
    assert len(plan.meetings) == copies
    assert len(plan.birthdays_today) == copies


@pytest.mark.parametrize("copies", [1, 10])
def test_a_teams_day_takes_a_fixed_number_of_queries(
    world: Any, day: datetime.date, copies: int, django_assert_num_queries: Any
) -> None:
    now = at(day, 15, zone=MOSCOW)
    _fill(world.users["mgr_north1"], day, now, copies)
    supervisor = type(world.users["sup_north"]).objects.get(pk=world.users["sup_north"].pk)

    # 1 roles, 2 team subtree, 3 people, 4–10 the seven lists, 11 per-person counts.
    with django_assert_num_queries(11):
        plan = myday.my_day(supervisor, team=True, now=now)
        [(task.client, task.assignee) for task in plan.overdue + plan.today]
    # Per copy: the 9:00 call, the tail and the 16:00 meeting (Yekaterinburg), 14:00 in Moscow, already past.
    assert sum(row.overdue for row in plan.counts) == 3 * copies


# --- The page --------------------------------------------------------------------------------------


def test_my_day_page_shows_the_managers_day(client_for: Any, manager: Any) -> None:
    today = timezone.localdate(timezone.now(), EKATERINBURG)
    client = ClientFactory(name="Uralmash", responsible=manager)
    TaskFactory(
        assignee=manager, client=client, title="Call about the price list", due_at=timezone.now() - datetime.timedelta(hours=2)
    )
    ContactFactory(client=client, last_name="Ivanova", first_name="Maria", birthday=today.replace(year=1980))

    response = client_for(manager).get(reverse("activities:my_day"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Call about the price list" in body
    assert "Ivanova" in body
    assert reverse("activities:task_complete", args=[client.tasks.get().pk]) in body
    assert 'data-testid="myday-counts"' not in body  # a manager has no team view


def test_my_day_page_says_what_to_do_when_the_day_is_empty(client_for: Any, manager: Any) -> None:
    response = client_for(manager).get(reverse("activities:my_day"))

    assert response.status_code == 200
    assert 'data-testid="myday-empty-tasks"' in response.content.decode()


def test_my_day_page_query_count_is_fixed(
    client_for: Any, manager: Any, day: datetime.date, django_assert_num_queries: Any
) -> None:
    _fill(manager, day, at(day, 15), 3)
    browser = client_for(manager)
    browser.get(reverse("activities:my_day"))  # warm the session

    # 1 the signed-in user (the session is cached), 2 roles, 3–9 the seven lists of my_day,
    # 10 activity results for the "done and log" forms.
    with django_assert_num_queries(10):
        response = browser.get(reverse("activities:my_day"))
    assert response.status_code == 200


def test_a_supervisor_switches_between_the_team_and_one_person(client_for: Any, world: Any) -> None:
    supervisor, north1, south = world.users["sup_north"], world.users["mgr_north1"], world.users["mgr_south"]
    TaskFactory(
        assignee=north1,
        client=ClientFactory(responsible=north1),
        title="North call",
        # Overdue: on My day at any hour (due in 30 minutes would be tomorrow's half an hour before midnight).
        due_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    browser = client_for(supervisor)

    team = browser.get(reverse("activities:my_day"))
    assert 'data-testid="myday-counts"' in team.content.decode()
    assert "North call" in team.content.decode()

    one = browser.get(reverse("activities:my_day"), {"person": north1.pk})
    assert one.status_code == 200
    assert "North call" in one.content.decode()

    assert browser.get(reverse("activities:my_day"), {"person": south.pk}).status_code == 404
    assert browser.get(reverse("activities:my_day"), {"person": "nobody"}).status_code == 404


def test_a_manager_cannot_open_a_colleagues_day(client_for: Any, world: Any) -> None:
    colleague = type(world.users["mgr_north1"]).objects.create_user(email="colleague@example.test", team=world.teams["north1"])
    browser = client_for(world.users["mgr_north1"])

    assert browser.get(reverse("activities:my_day"), {"person": colleague.pk}).status_code == 404
    assert browser.get(reverse("activities:my_day"), {"person": world.users["mgr_north1"].pk}).status_code == 200


def test_the_date_switcher_shows_tomorrow(client_for: Any, world: Any) -> None:
    manager = world.users["mgr_north1"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    TaskFactory(
        assignee=manager,
        client=ClientFactory(responsible=manager),
        title="Tomorrow call",
        due_at=at(tomorrow, 11, zone=MOSCOW),
    )
    browser = client_for(manager)

    assert "Tomorrow call" not in browser.get(reverse("activities:my_day")).content.decode()
    assert "Tomorrow call" in browser.get(reverse("activities:my_day"), {"day": tomorrow.isoformat()}).content.decode()
    assert browser.get(reverse("activities:my_day"), {"day": "not-a-date"}).status_code == 200


def test_congratulate_logs_a_greeting_and_the_birthday_shows_congratulated(client_for: Any, world: Any) -> None:
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    contact = ContactFactory(client=client, last_name="Ivanova", birthday=timezone.localdate().replace(year=1980))
    browser = client_for(manager)

    response = browser.post(reverse("activities:congratulate", args=[contact.pk]))

    assert response.status_code == 302
    greeting = Activity.objects.get(contact=contact)
    assert (greeting.kind, greeting.client_id, greeting.author_id) == (ActivityKind.GREETING, client.pk, manager.pk)
    page = browser.get(reverse("activities:my_day")).content.decode()
    assert 'data-testid="birthday-congratulated"' in page


def test_congratulate_answers_htmx_with_the_congratulated_mark(client_for: Any, world: Any) -> None:
    manager = world.users["mgr_north1"]
    contact = ContactFactory(client=ClientFactory(responsible=manager), birthday=timezone.localdate().replace(year=1980))

    response = client_for(manager).post(reverse("activities:congratulate", args=[contact.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'data-testid="birthday-congratulated"' in response.content.decode()


def test_nobody_congratulates_a_contact_of_a_client_they_cannot_see(client_for: Any, world: Any) -> None:
    contact = ContactFactory(client=ClientFactory(responsible=world.users["mgr_south"]), birthday=datetime.date(1980, 1, 1))

    response = client_for(world.users["mgr_north1"]).post(reverse("activities:congratulate", args=[contact.pk]))

    assert response.status_code == 404
    assert not Activity.objects.filter(contact=contact).exists()
