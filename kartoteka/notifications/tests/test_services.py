"""Making notices: channels by preference, defaults, dedupe, inactive people, marking read."""

from __future__ import annotations

import pytest

from kartoteka.jobs.models import Job
from kartoteka.notifications import services
from kartoteka.notifications.models import DEFAULT_CHANNELS, Notification, NotificationKind
from kartoteka.notifications.services import Channels
from kartoteka.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL_JOB = "kartoteka.notifications.tasks.send_notification_email"


def _notify(user, kind=NotificationKind.TASK_ASSIGNED, **extra):  # type: ignore[no-untyped-def]
    return services.notify(recipient=user, kind=kind, title="Call Romashka", **extra)


def test_every_kind_has_defaults_until_the_person_chooses():
    user = UserFactory()
    chosen = services.preferences(user)
    assert set(chosen) == set(NotificationKind.values)
    for kind, (in_app, email) in DEFAULT_CHANNELS.items():
        assert chosen[kind] == Channels(in_app, email)


def test_saved_preferences_replace_the_defaults_for_that_kind_only():
    user = UserFactory()
    services.preferences_save(user=user, choices={NotificationKind.TASK_OVERDUE: Channels(in_app=False, email=False)})
    chosen = services.preferences(user)
    assert chosen[NotificationKind.TASK_OVERDUE] == Channels(False, False)
    assert chosen[NotificationKind.TASK_ASSIGNED] == Channels(*DEFAULT_CHANNELS[NotificationKind.TASK_ASSIGNED])


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.preferences_save(user=UserFactory(), choices={"gossip": Channels(True, True)})


def test_a_notice_wanted_by_email_is_stored_and_its_email_enqueued(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(user)
    assert notification is not None
    assert notification.show_in_app
    assert Job.objects.filter(name=EMAIL_JOB, args=[notification.pk]).count() == 1


def test_a_kind_wanted_in_the_app_only_sends_no_email():
    user = UserFactory()
    notification = _notify(user, kind=NotificationKind.TASK_DUE_SOON)  # default: in the app, no email
    assert notification is not None
    assert not Job.objects.filter(name=EMAIL_JOB).exists()


def test_a_kind_wanted_by_email_only_is_kept_out_of_the_bell():
    user = UserFactory()
    services.preferences_save(user=user, choices={NotificationKind.TASK_ASSIGNED: Channels(in_app=False, email=True)})
    notification = _notify(user)
    assert notification is not None
    assert not notification.show_in_app
    assert services.unread_count(user) == 0
    assert Job.objects.filter(name=EMAIL_JOB).count() == 1


def test_a_silenced_kind_makes_no_notice():
    user = UserFactory()
    services.preferences_save(user=user, choices={NotificationKind.TASK_ASSIGNED: Channels(in_app=False, email=False)})
    assert _notify(user) is None
    assert not Notification.objects.exists()


def test_the_same_dedupe_key_makes_one_notice_per_person():
    first, second = UserFactory(), UserFactory()
    assert _notify(first, dedupe_key="overdue:1:t") is not None
    assert _notify(first, dedupe_key="overdue:1:t") is None
    assert _notify(second, dedupe_key="overdue:1:t") is not None
    assert Notification.objects.filter(recipient=first).count() == 1


def test_inactive_people_are_not_notified():
    user = UserFactory(is_active=False)
    assert _notify(user) is None
    assert not Notification.objects.exists()


def test_mark_read_touches_only_the_persons_own_notices():
    me, other = UserFactory(), UserFactory()
    mine, theirs = _notify(me), _notify(other)
    assert mine is not None
    assert theirs is not None
    assert services.mark_read(user=me, ids=[mine.pk, theirs.pk]) == 1
    assert services.unread_count(me) == 0
    assert services.unread_count(other) == 1
