"""Requests as a signed-in browser makes them, for scenarios that measure a page or an API call.

Django's test ``Client`` runs the full stack in process (every middleware, the session, the view,
the template or the JSON renderer) without a socket, so a scenario measures the application and
not the network. Signing in once, untimed, keeps login cost out of every run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.conf import settings
from django.test import Client

if TYPE_CHECKING:
    from django.http.response import HttpResponseBase

    from kartoteka.users.models import User

TEST_CLIENT_HOST = "testserver"


class ScenarioError(RuntimeError):
    """A scenario did not do what it measures (an error page or a redirect would time the wrong thing)."""


def allow_test_client_host() -> None:
    """Accept the test Client's Host header; outside pytest nothing else adds it to ALLOWED_HOSTS."""
    if TEST_CLIENT_HOST not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, TEST_CLIENT_HOST]


@contextmanager
def signed_in(user: User) -> Iterator[Client]:
    """A client holding a real session for ``user``; the session row is deleted again afterwards."""
    client = Client()
    client.force_login(user)
    try:
        yield client
    finally:
        client.logout()


def get_ok(client: Client, path: str, params: Mapping[str, str] | None = None) -> HttpResponseBase:
    response = client.get(path, params)
    if response.status_code != 200:
        raise ScenarioError(f"GET {path} {dict(params or {})} answered {response.status_code}, expected 200.")
    return response
