"""The calendar page, moving tasks on it, and the secret iCalendar feeds."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kartoteka.activities import calendar_services, services
from kartoteka.activities.models import CalendarFeed, Task, TaskStatus
from kartoteka.testing.factories import ClientFactory, ContactFactory, TaskFactory

pytestmark = pytest.mark.django_db

VLADIVOSTOK = zoneinfo.ZoneInfo("Asia/Vladivostok")  # UTC+10, no daylight saving
JSON = {"HTTP_ACCEPT": "application/json"}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VLADIVOSTOK)


@pytest.fixture
def people(world):
    """Managers of North-1 and South in Vladivostok time, each with a client of their own."""
    for key in ("mgr_north1", "mgr_south", "sup_north", "marketer"):
        world.users[key].time_zone = "Asia/Vladivostok"
        world.users[key].language = "en"
        world.users[key].save(update_fields=["time_zone", "language"])
    world.north_client = ClientFactory(name="Romashka", responsible=world.users["mgr_north1"])
    world.south_client = ClientFactory(name="Vasilek", responsible=world.users["mgr_south"])
    return world


def week_page(web, **params):
    return web.get(reverse("activities:calendar"), params)


def event_html(html: str, title: str) -> str:
    match = re.search(r'<a class="cal-event[^"]*"[^>]*>(?:(?!</a>).)*' + re.escape(title) + r".*?</a>", html, re.S)
    assert match, f"no event {title!r}"
    return match.group(0)


def cell_html(html: str, testid: str) -> str:
    match = re.search(r'<td[^>]*data-testid="' + re.escape(testid) + r'".*?</td>', html, re.S)
    assert match, f"no cell {testid!r}"
    return match.group(0)


# --- the page ------------------------------------------------------------------------------------------


def test_week_shows_own_tasks_in_the_viewers_time_zone(people, client_for):
    manager = people.users["mgr_north1"]
    # 01:30 UTC is 11:30 in Vladivostok.
    TaskFactory(
        assignee=manager, client=people.north_client, due_at=datetime.datetime(2026, 3, 10, 1, 30, tzinfo=datetime.UTC),
        title="Meet Romashka", kind="meeting", place="Lenina 5, office 12", duration_minutes=90,
    )  # fmt: skip
    with timezone.override(VLADIVOSTOK):  # an all-day task ends its day in the zone of whoever planned it
        TaskFactory(
            assignee=manager, client=people.north_client, due_at=local(2026, 3, 12, 9), title="Send the offer", all_day=True
        )

    html = week_page(client_for(manager), date="2026-03-11").content.decode()

    slot = cell_html(html, "calendar-slot-2026-03-10-11")
    assert "Meet Romashka" in slot
    meeting = event_html(html, "Meet Romashka")
    assert "cal-meeting" in meeting
    assert "11:30–13:00" in meeting
    assert "Lenina 5, office 12" in meeting
    assert "Romashka" in meeting
    assert "Send the offer" in cell_html(html, "calendar-all-day-2026-03-12")
    assert "9 – 15 March 2026" in html


def test_month_shows_open_and_done_tasks_done_greyed_cancelled_left_out(people, client_for):
    manager = people.users["mgr_north1"]
    open_task = TaskFactory(assignee=manager, client=people.north_client, due_at=local(2026, 3, 3, 10), title="Open call")
    done = TaskFactory(assignee=manager, client=people.north_client, due_at=local(2026, 3, 17, 12), title="Done call")
    services.task_complete(actor=manager, task=done)
    cancelled = TaskFactory(assignee=manager, due_at=local(2026, 3, 18, 12), title="Cancelled call")
    services.task_cancel(actor=manager, task=cancelled)
    TaskFactory(assignee=manager, due_at=local(2026, 4, 20, 12), title="In April")

    html = week_page(client_for(manager), view="month", date="2026-03-01").content.decode()

    assert "March 2026" in html
    assert "Open call" in cell_html(html, "calendar-day-2026-03-03")
    assert "data-movable" in event_html(html, "Open call")
    done_event = event_html(html, "Done call")
    assert "cal-done" in done_event
    assert "data-movable" not in done_event
    assert "Cancelled call" not in html
    assert "In April" not in html
    assert open_task.pk


def test_me_shows_only_my_tasks_even_for_a_supervisor(people, client_for):
    TaskFactory(assignee=people.users["mgr_north1"], client=people.north_client, due_at=local(2026, 3, 10, 9), title="Hers")
    TaskFactory(assignee=people.users["sup_north"], due_at=local(2026, 3, 10, 10), title="Mine")

    html = week_page(client_for(people.users["sup_north"]), date="2026-03-10").content.decode()

    assert "Mine" in html
    assert "Hers" not in html


def test_team_view_shows_the_team_subtree_with_assignees_and_filters_by_person(people, client_for):
    TaskFactory(
        assignee=people.users["mgr_north1"], client=people.north_client, due_at=local(2026, 3, 10, 9), title="North-1 call"
    )
    TaskFactory(assignee=people.users["sup_north"], due_at=local(2026, 3, 10, 10), title="Supervisor own")
    TaskFactory(assignee=people.users["mgr_south"], client=people.south_client, due_at=local(2026, 3, 10, 11), title="South call")
    web = client_for(people.users["sup_north"])

    html = week_page(web, date="2026-03-10", who="team").content.decode()
    assert "North-1 call" in html
    assert "Supervisor own" in html
    assert "South call" not in html
    assert "Last-mgr_north1" in event_html(html, "North-1 call")

    html = week_page(web, date="2026-03-10", who="team", person=people.users["mgr_north1"].pk).content.decode()
    assert "North-1 call" in html
    assert "Supervisor own" not in html


def test_a_manager_has_no_team_view(people, client_for):
    TaskFactory(assignee=people.users["mgr_north1"], client=people.north_client, due_at=local(2026, 3, 10, 9), title="Mine")
    TaskFactory(assignee=people.users["mgr_south"], client=people.south_client, due_at=local(2026, 3, 10, 11), title="South call")

    html = week_page(client_for(people.users["mgr_north1"]), date="2026-03-10", who="team").content.decode()

    assert 'data-testid="calendar-team"' not in html
    assert "Mine" in html
    assert "South call" not in html


def test_empty_week_says_what_to_do(people, client_for):
    response = week_page(client_for(people.users["mgr_north1"]), date="2026-03-10")
    assert 'data-testid="calendar-empty"' in response.content.decode()


def test_week_page_query_count_does_not_grow_with_tasks(people, client_for, django_assert_num_queries):
    manager = people.users["mgr_north1"]
    web = client_for(manager)
    for hour in range(8, 18):
        TaskFactory(assignee=manager, client=people.north_client, due_at=local(2026, 3, 11, hour), title=f"Call {hour}")
    # 1 the session's user, 2 the viewer's roles and scopes, 3 the week's tasks with their clients and assignees
    with django_assert_num_queries(3):
        response = week_page(web, date="2026-03-11")
    assert response.content.decode().count('data-testid="calendar-event"') == 10
    with django_assert_num_queries(3):
        week_page(web, view="month", date="2026-03-11")


def test_team_month_query_count(people, client_for, django_assert_num_queries):
    for hour in range(8, 14):
        TaskFactory(assignee=people.users["mgr_north1"], client=people.north_client, due_at=local(2026, 3, 11, hour))
    web = client_for(people.users["sup_north"])
    # 1 user, 2 roles and scopes, 3 the team subtree, 4 the people of the team (the person filter), 5 the tasks
    with django_assert_num_queries(5):
        response = week_page(web, view="month", date="2026-03-11", who="team")
    assert response.content.decode().count('data-testid="calendar-event"') == 6


# --- moving a task -------------------------------------------------------------------------------------


def test_move_reschedules_to_the_day_and_time_in_the_viewers_zone(people, client_for):
    manager = people.users["mgr_north1"]
    task = TaskFactory(
        assignee=manager, client=people.north_client, due_at=local(2026, 3, 10, 11, 30), remind_at=local(2026, 3, 10, 11)
    )

    response = client_for(manager).post(
        reverse("activities:calendar_move", args=[task.pk]), {"date": "2026-03-12", "time": "15:30"}, **JSON
    )

    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True
    assert (answer["date"], answer["time"], answer["all_day"]) == ("2026-03-12", "15:30", False)
    task.refresh_from_db()
    assert task.due_at == local(2026, 3, 12, 15, 30)
    assert task.remind_at == local(2026, 3, 12, 15)


def test_move_to_a_day_keeps_the_time_and_redirects_without_script(people, client_for):
    manager = people.users["mgr_north1"]
    task = TaskFactory(assignee=manager, client=people.north_client, due_at=local(2026, 3, 10, 9, 15))

    response = client_for(manager).post(
        reverse("activities:calendar_move", args=[task.pk]), {"date": "2026-03-20", "next": "/work/calendar/?view=month"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/work/calendar/?view=month"
    task.refresh_from_db()
    assert task.due_at == local(2026, 3, 20, 9, 15)


def test_moving_an_all_day_task_keeps_it_all_day(people, client_for):
    manager = people.users["mgr_north1"]
    with timezone.override(VLADIVOSTOK):
        task = TaskFactory(assignee=manager, due_at=local(2026, 3, 10, 12), all_day=True, title="Whole day")

    response = client_for(manager).post(
        reverse("activities:calendar_move", args=[task.pk]), {"date": "2026-03-11", "time": "10:00"}, **JSON
    )

    assert response.json()["all_day"] is True
    task.refresh_from_db()
    assert timezone.localtime(task.due_at, VLADIVOSTOK).date() == datetime.date(2026, 3, 11)
    assert task.all_day


def test_another_managers_task_is_missing(people, client_for):
    task = TaskFactory(assignee=people.users["mgr_south"], client=people.south_client, due_at=local(2026, 3, 10, 9))

    response = client_for(people.users["mgr_north1"]).post(
        reverse("activities:calendar_move", args=[task.pk]), {"date": "2026-03-12"}, **JSON
    )

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.due_at == local(2026, 3, 10, 9)


def test_someone_who_sees_but_may_not_change_is_refused_with_a_message(people, client_for):
    task = TaskFactory(assignee=people.users["mgr_north1"], client=people.north_client, due_at=local(2026, 3, 10, 9))

    response = client_for(people.users["marketer"]).post(
        reverse("activities:calendar_move", args=[task.pk]), {"date": "2026-03-12"}, **JSON
    )

    assert response.status_code == 403
    assert response.json() == {"ok": False, "message": "You cannot move this task."}
    task.refresh_from_db()
    assert task.due_at == local(2026, 3, 10, 9)


def test_a_closed_task_does_not_move(people, client_for):
    manager = people.users["mgr_north1"]
    task = TaskFactory(assignee=manager, client=people.north_client, due_at=local(2026, 3, 10, 9))
    services.task_complete(actor=manager, task=task)

    response = client_for(manager).post(reverse("activities:calendar_move", args=[task.pk]), {"date": "2026-03-12"}, **JSON)

    assert response.status_code == 409
    assert response.json()["message"] == "This task is already closed."


def test_a_bad_date_is_a_clear_error(people, client_for):
    manager = people.users["mgr_north1"]
    task = TaskFactory(assignee=manager, due_at=local(2026, 3, 10, 9))
    web = client_for(manager)

    response = web.post(reverse("activities:calendar_move", args=[task.pk]), {"date": "12.03.2026"}, **JSON)
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert web.get(reverse("activities:calendar_move", args=[task.pk])).status_code == 405


# --- feed management ----------------------------------------------------------------------------------


def test_a_feed_stores_only_the_digest_of_its_token(people):
    feed, token = calendar_services.calendar_feed_create(user=people.users["mgr_north1"])

    stored = CalendarFeed.objects.get(pk=feed.pk)
    assert len(token) >= 40
    assert stored.token_digest == calendar_services.hash_feed_token(token)
    assert token not in stored.token_digest
    assert calendar_services.calendar_feed_authenticate(token) == feed


def test_only_someone_with_a_team_scope_gets_a_team_feed(people):
    with pytest.raises(ValidationError):
        calendar_services.calendar_feed_create(user=people.users["mgr_north1"], include_team=True)
    feed, _ = calendar_services.calendar_feed_create(user=people.users["sup_north"], include_team=True)
    assert feed.include_team


def test_only_the_owner_revokes_a_feed(people):
    feed, token = calendar_services.calendar_feed_create(user=people.users["mgr_north1"])
    with pytest.raises(PermissionDenied):
        calendar_services.calendar_feed_revoke(user=people.users["admin"], feed=feed)

    calendar_services.calendar_feed_revoke(user=people.users["mgr_north1"], feed=feed)

    assert calendar_services.calendar_feed_authenticate(token) is None


def test_feeds_page_shows_the_address_once_and_revokes(people, client_for):
    web = client_for(people.users["mgr_north1"])
    page = web.get(reverse("activities:calendar_feeds")).content.decode()
    assert 'data-testid="feeds-empty"' in page
    assert "include_team" not in page  # a manager has no team calendar

    response = web.post(reverse("activities:calendar_feeds"), {})
    assert response.status_code == 302
    page = web.get(reverse("activities:calendar_feeds")).content.decode()
    url = re.search(r'data-testid="new-feed-url">([^<]+)<', page).group(1)
    assert re.fullmatch(r"http://testserver/work/calendar/feed/[\w-]{43}\.ics", url)
    assert web.get(url).status_code == 200
    assert url not in web.get(reverse("activities:calendar_feeds")).content.decode()

    feed = CalendarFeed.objects.get(user=people.users["mgr_north1"])
    web.post(reverse("activities:calendar_feed_revoke", args=[feed.pk]))
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert web.get(url).status_code == 404


def test_someone_elses_feed_cannot_be_revoked(people, client_for):
    feed, _ = calendar_services.calendar_feed_create(user=people.users["mgr_south"])

    response = client_for(people.users["admin"]).post(reverse("activities:calendar_feed_revoke", args=[feed.pk]))

    assert response.status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


# --- the feed -----------------------------------------------------------------------------------------


def feed_url(token: str) -> str:
    return reverse("activities:calendar_feed", args=[token])


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events_by_summary(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def soon(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate(timezone.now(), VLADIVOSTOK) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=VLADIVOSTOK)


def test_feed_answers_the_same_404_for_unknown_malformed_revoked_and_inactive(people, client):
    revoked, revoked_token = calendar_services.calendar_feed_create(user=people.users["mgr_north1"])
    calendar_services.calendar_feed_revoke(user=people.users["mgr_north1"], feed=revoked)
    _, inactive_token = calendar_services.calendar_feed_create(user=people.users["mgr_south"])
    people.users["mgr_south"].is_active = False
    people.users["mgr_south"].save(update_fields=["is_active"])

    answers = [
        client.get(feed_url(token)) for token in (revoked_token, inactive_token, "x" * 43, "not a token!", "%00", "a" * 500)
    ]

    assert {response.status_code for response in answers} == {404}
    assert len({response.content for response in answers}) == 1
    assert client.get("/work/calendar/feed/.ics").status_code == 404


def test_feed_holds_my_tasks_in_my_time_zone(people, client, settings):
    settings.SITE_URL = "https://crm.example.test"
    manager = people.users["mgr_north1"]
    contact = ContactFactory(client=people.north_client, last_name="Ivanov", first_name="Petr", position="Director")
    meeting = TaskFactory(
        assignee=manager, client=people.north_client, contact=contact, kind="meeting", title="Meet Romashka",
        due_at=soon(2, 11, 30), duration_minutes=90, place="Lenina 5, office 12", description="Bring the samples",
        remind_at=soon(2, 11),
    )  # fmt: skip
    with timezone.override(VLADIVOSTOK):
        whole_day = TaskFactory(assignee=manager, due_at=soon(3, 9), all_day=True, title="Send the offer")
    _, token = calendar_services.calendar_feed_create(user=manager)

    response = client.get(feed_url(token))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    calendar = parse(response)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Vladivostok"]
    events = events_by_summary(calendar)
    assert set(events) == {"Meet Romashka", "Send the offer"}

    event = events["Meet Romashka"]
    assert event["DTSTART"].params["TZID"] == "Asia/Vladivostok"
    assert event.start == soon(2, 11, 30)
    assert event.start.utcoffset() == datetime.timedelta(hours=10)
    assert event.end == soon(2, 13)
    assert str(event["UID"]) == f"task-{meeting.pk}@crm.example.test"
    assert str(event["LOCATION"]) == "Lenina 5, office 12"
    description = str(event["DESCRIPTION"])
    assert "Client: Romashka" in description
    assert "Ivanov Petr, Director" in description
    assert "Bring the samples" in description
    assert str(event["URL"]) == f"https://crm.example.test/work/tasks/{meeting.pk}/"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["LAST-MODIFIED"].dt == meeting.updated_at.replace(microsecond=0)
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == datetime.timedelta(minutes=-30)

    all_day = events["Send the offer"]
    assert all_day["DTSTART"].params["VALUE"] == "DATE"
    assert all_day.start == soon(3, 0).date()
    assert all_day.end == soon(4, 0).date()
    assert str(all_day["UID"]) == f"task-{whole_day.pk}@crm.example.test"
    assert not all_day.walk("VALARM")


def test_feed_covers_thirty_days_back_to_half_a_year_ahead_with_done_and_cancelled(people, client):
    manager = people.users["mgr_north1"]
    done = TaskFactory(assignee=manager, due_at=soon(-1, 10), title="Done yesterday")
    services.task_complete(actor=manager, task=done)
    cancelled = TaskFactory(assignee=manager, due_at=soon(1, 10), title="Cancelled")
    services.task_cancel(actor=manager, task=cancelled)
    TaskFactory(assignee=manager, due_at=soon(-40, 10), title="Too old")
    TaskFactory(assignee=manager, due_at=soon(200, 10), title="Too far")
    TaskFactory(assignee=manager, due_at=soon(170, 10), title="In half a year")
    _, token = calendar_services.calendar_feed_create(user=manager)

    events = events_by_summary(parse(client.get(feed_url(token))))

    assert set(events) == {"Done yesterday", "Cancelled", "In half a year"}
    assert str(events["Cancelled"]["STATUS"]) == "CANCELLED"
    assert str(events["Done yesterday"]["STATUS"]) == "CONFIRMED"


def test_feed_never_carries_clients_the_owner_cannot_see(people, client):
    manager, south = people.users["mgr_north1"], people.users["mgr_south"]
    TaskFactory(assignee=south, client=people.south_client, due_at=soon(1, 10), title="South's own call")
    TaskFactory(assignee=people.users["sup_north"], due_at=soon(1, 11), title="Supervisor's to-do")
    # A colleague's client, but the task is the manager's: it comes, without anything of the client.
    TaskFactory(
        assignee=manager, client=people.south_client, due_at=soon(1, 12), title="Call for a colleague",
        description="Ask about the invoice",
        contact=ContactFactory(client=people.south_client, last_name="Secretov"),
    )  # fmt: skip
    _, token = calendar_services.calendar_feed_create(user=manager)

    response = client.get(feed_url(token))
    events = events_by_summary(parse(response))

    assert set(events) == {"Call for a colleague"}
    assert str(events["Call for a colleague"]["DESCRIPTION"]) == "Ask about the invoice"
    body = response.content.decode()
    assert "Vasilek" not in body
    assert "Secretov" not in body


def test_a_team_feed_carries_the_team_subtree_only(people, client):
    TaskFactory(assignee=people.users["mgr_north1"], client=people.north_client, due_at=soon(1, 10), title="North-1 call")
    TaskFactory(assignee=people.users["sup_north"], due_at=soon(1, 11), title="Supervisor's to-do")
    TaskFactory(assignee=people.users["mgr_south"], client=people.south_client, due_at=soon(1, 12), title="South call")
    _, token = calendar_services.calendar_feed_create(user=people.users["sup_north"], include_team=True)

    events = events_by_summary(parse(client.get(feed_url(token))))

    assert set(events) == {"North-1 call", "Supervisor's to-do"}
    assert "Last-mgr_north1" in str(events["North-1 call"]["DESCRIPTION"])


def test_feed_records_use_at_most_once_a_minute_in_constant_queries(people, client, django_assert_num_queries):
    manager = people.users["mgr_north1"]
    for day in range(1, 6):
        TaskFactory(assignee=manager, client=people.north_client, due_at=soon(day, 10), remind_at=soon(day, 9))
    feed, token = calendar_services.calendar_feed_create(user=manager)

    # 1 the feed with its owner, 2 recording its use, 3 the owner's roles and scopes, 4 the tasks
    with django_assert_num_queries(4):
        parse(client.get(feed_url(token)))
    feed.refresh_from_db()
    first_use = feed.last_used_at
    assert first_use is not None

    # Within the minute: no write.
    with django_assert_num_queries(3):
        client.get(feed_url(token))
    feed.refresh_from_db()
    assert feed.last_used_at == first_use

    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=first_use - datetime.timedelta(minutes=2))
    client.get(feed_url(token))
    feed.refresh_from_db()
    assert feed.last_used_at > first_use


def test_an_empty_feed_still_names_the_owners_time_zone(people, client):
    _, token = calendar_services.calendar_feed_create(user=people.users["mgr_north1"])

    calendar = parse(client.get(feed_url(token)))

    assert not calendar.walk("VEVENT")
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Vladivostok"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Vladivostok"


def test_feed_status_of_a_reopened_task(people, client):
    manager = people.users["mgr_north1"]
    task = TaskFactory(assignee=manager, due_at=soon(1, 10), title="Reopened")
    services.task_complete(actor=manager, task=task)
    services.task_reopen(actor=manager, task=task)
    _, token = calendar_services.calendar_feed_create(user=manager)

    events = events_by_summary(parse(client.get(feed_url(token))))

    assert str(events["Reopened"]["STATUS"]) == "CONFIRMED"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
