"""The bell's badge, the list, opening and marking read, and the settings page — each person sees only their own."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from kartoteka.notifications import services
from kartoteka.notifications.models import Notification, NotificationKind
from kartoteka.notifications.services import Channels
from kartoteka.notifications.views import PAGE_SIZE, STOP_POLLING

pytestmark = pytest.mark.django_db


def _notices(user, count: int, **extra) -> list[Notification]:  # type: ignore[no-untyped-def]
    made = []
    for number in range(count):
        notification = services.notify(
            recipient=user, kind=NotificationKind.TASK_DUE_SOON, title=f"Notice {number}", url="/work/tasks/", **extra
        )
        assert notification is not None
        made.append(notification)
    return made


@pytest.fixture
def manager(world):  # type: ignore[no-untyped-def]
    return world.users["mgr_north1"]


@pytest.fixture
def http(manager, client_for) -> HttpClient:  # type: ignore[no-untyped-def]
    http = client_for(manager)
    http.get(reverse("notifications:badge"))  # warm the session cache, as a browser tab would have
    return http


def test_the_badge_shows_the_unread_count_in_one_query(http, manager, django_assert_num_queries):
    _notices(manager, 3)
    # 1 the signed-in user (the session comes from the cache), 2 the unread COUNT.
    with django_assert_num_queries(2):
        response = http.get(reverse("notifications:badge"))
    assert response.status_code == 200
    assert re.search(r'<span class="badge[^"]*">3</span>', response.text)


def test_the_badge_is_empty_with_nothing_unread(http):
    response = http.get(reverse("notifications:badge"))
    assert "badge" not in response.text


def test_a_signed_out_poll_costs_nothing_and_stops_polling(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("notifications:badge"))
    assert response.status_code == STOP_POLLING
    assert response.content == b""


def test_every_page_carries_the_bell_that_polls_every_minute(http):
    response = http.get(reverse("notifications:list"))
    assert f'hx-get="{reverse("notifications:badge")}"' in response.text
    assert 'hx-trigger="load, every 60s"' in response.text


def test_the_list_is_newest_first_with_unread_highlighted(http, manager, world):
    older, newer = _notices(manager, 2)
    Notification.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    services.mark_read(user=manager, ids=[older.pk])
    _notices(world.users["mgr_south"], 1, dedupe_key="someone-else")
    response = http.get(reverse("notifications:list"))
    items = response.context["page"].items
    assert [item.pk for item in items] == [newer.pk, older.pk]
    assert response.text.count("notification-unread") == 1


def test_the_list_pages_by_keyset_in_constant_queries(http, manager, django_assert_num_queries):
    _notices(manager, PAGE_SIZE + 5)
    # 1 user, 2 the page of notices (one more row than shown tells whether an older page exists),
    # 3 the unread count, 4 the navigation's sections for the top bar.
    with django_assert_num_queries(4):
        first = http.get(reverse("notifications:list"))
    cursor = first.context["page"].next_cursor
    assert len(first.context["page"].items) == PAGE_SIZE
    assert cursor
    with django_assert_num_queries(4):
        second = http.get(reverse("notifications:list"), {"after": cursor})
    assert len(second.context["page"].items) == 5
    assert second.context["page"].next_cursor is None


def test_a_bad_cursor_starts_again_from_the_newest(http):
    response = http.get(reverse("notifications:list"), {"after": "not-a-cursor"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")


def test_the_empty_list_says_what_will_come_here(http):
    response = http.get(reverse("notifications:list"))
    assert 'data-testid="notifications-empty"' in response.text
    assert reverse("notifications:preferences") in response.text


def test_opening_a_notice_marks_it_read_and_follows_its_link(http, manager):
    (notice,) = _notices(manager, 1)
    response = http.post(reverse("notifications:open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/work/tasks/"
    notice.refresh_from_db()
    assert notice.is_read


def test_opening_someone_elses_notice_is_not_found(http, world):
    (theirs,) = _notices(world.users["mgr_south"], 1)
    assert http.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_a_notice_pointing_off_site_opens_the_list_instead(http, manager):
    (notice,) = _notices(manager, 1)
    Notification.objects.filter(pk=notice.pk).update(url="https://evil.example/")
    response = http.post(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == reverse("notifications:list")


def test_mark_all_read(http, manager):
    _notices(manager, 3)
    response = http.post(reverse("notifications:mark_read"))
    assert response.status_code == 302
    assert services.unread_count(manager) == 0


def test_mark_read_by_ids_ignores_someone_elses(http, manager, world):
    mine = _notices(manager, 2)
    (theirs,) = _notices(world.users["mgr_south"], 1)
    http.post(reverse("notifications:mark_read"), {"ids": [mine[0].pk, theirs.pk, "junk"]})
    assert services.unread_count(manager) == 1
    assert services.unread_count(world.users["mgr_south"]) == 1


def test_mark_read_needs_a_post(http):
    assert http.get(reverse("notifications:mark_read")).status_code == 405


def test_the_pages_need_signing_in(client):
    for name in ("notifications:list", "notifications:preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/login" in response["Location"]


def test_the_settings_page_shows_each_kind_with_its_channels(http, manager):
    services.preferences_save(user=manager, choices={NotificationKind.TASK_OVERDUE: Channels(in_app=True, email=False)})
    response = http.get(reverse("notifications:preferences"))
    assert response.status_code == 200
    for kind in NotificationKind.values:
        assert f'name="{kind}:in_app"' in response.text
        assert f'name="{kind}:email"' in response.text
    assert re.search(rf'name="{NotificationKind.TASK_OVERDUE}:email"[^>]*>', response.text)
    assert "checked" not in re.search(rf'name="{NotificationKind.TASK_OVERDUE}:email"[^>]*>', response.text).group(0)  # type: ignore[union-attr]


def test_saving_the_settings_stores_every_kind(http, manager):
    form = {f"{kind}:in_app": "on" for kind in NotificationKind.values} | {f"{NotificationKind.DIGEST}:email": "on"}
    response = http.post(reverse("notifications:preferences"), form)
    assert response.status_code == 302
    chosen = services.preferences(manager)
    assert chosen[NotificationKind.DIGEST] == Channels(in_app=True, email=True)
    assert chosen[NotificationKind.TASK_ASSIGNED] == Channels(in_app=True, email=False)


def test_the_profile_links_to_the_settings(http):
    response = http.get(reverse("users:profile"))
    assert reverse("notifications:preferences") in response.text
