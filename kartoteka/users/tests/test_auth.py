"""Signing in: email login, lockout, TOTP, recovery codes, password reset by real email, no sign-up."""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from kartoteka.testing.factories import PASSWORD
from kartoteka.users.models import User


def sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def current_totp(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def test_email_and_password_sign_in(manager):
    client = Client()
    response = sign_in(client, manager.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_five_wrong_passwords_lock_the_account_for_a_while(manager):
    client = Client()
    for _ in range(4):
        response = sign_in(client, manager.email, "wrong-password")
        assert response.status_code == 200  # the form again, with an error
    assert sign_in(client, manager.email, "wrong-password").status_code == 429  # the fifth locks

    # Now even the right password is refused, from any other browser, until the cool-off passes.
    locked = sign_in(Client(), manager.email, PASSWORD)
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))
    assert sign_in(Client(), manager.email, PASSWORD).status_code == 302


def test_lockout_of_one_account_does_not_touch_another(world):
    for _ in range(5):
        sign_in(Client(), world.users["mgr_south"].email, "wrong-password")
    assert sign_in(Client(), world.users["mgr_north1"].email, PASSWORD).status_code == 302


def test_with_totp_enabled_sign_in_requires_the_code(manager):
    secret = generate_totp_secret()
    TOTP.activate(manager, secret)
    client = Client()

    response = sign_in(client, manager.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/").status_code == 302  # not signed in yet

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000" if current_totp(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert client.get("/").status_code == 302

    right = client.post("/accounts/2fa/authenticate/", {"code": current_totp(secret)})
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_a_recovery_code_replaces_a_lost_phone(manager):
    TOTP.activate(manager, generate_totp_secret())
    code = RecoveryCodes.activate(manager).get_unused_codes()[0]
    client = Client()
    sign_in(client, manager.email, PASSWORD)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200


def test_password_reset_by_email_over_real_smtp(manager, smtp_server):
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": manager.email})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == manager.email
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", body).group(1)

    form_url = client.get(link)["Location"]  # allauth hides the key behind a redirect
    response = client.post(form_url, {"password1": "a-brand-new-secret-42", "password2": "a-brand-new-secret-42"})
    assert response.status_code == 302
    assert sign_in(Client(), manager.email, "a-brand-new-secret-42").status_code == 302


def test_there_is_no_public_sign_up(db):
    response = Client().get("/accounts/signup/")
    assert response.status_code == 200
    assert 'data-testid="signup-closed"' in response.content.decode()
    Client().post(
        "/accounts/signup/", {"email": "intruder@example.test", "password1": "x-very-long-pw-1", "password2": "x-very-long-pw-1"}
    )
    assert not User.objects.filter(email="intruder@example.test").exists()


@pytest.mark.parametrize("url", ["/", "/people/", "/teams/", "/profile/", "/jobs/"])
def test_pages_require_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
