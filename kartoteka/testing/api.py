"""Helpers for tests that call the JSON API the way an integration does: with a token and JSON bodies."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from kartoteka.integrations.services import api_token_create


def bearer(user: Any, *scopes: str) -> HttpClient:
    """A client that sends a new token of ``user`` with ``scopes`` (not the browser session)."""
    _, secret = api_token_create(actor=user, name="test", scopes=list(scopes))
    return HttpClient(headers={"Authorization": f"Bearer {secret}"})


def send(http: HttpClient, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    """``method`` on ``url`` with ``body`` as JSON; ``None`` sends no body at all."""
    call = getattr(http, method)
    return call(url) if body is None else call(url, data=body, content_type="application/json")


def post(http: HttpClient, url: str, body: dict[str, Any]) -> Any:
    return send(http, "post", url, body)


def patch(http: HttpClient, url: str, body: dict[str, Any]) -> Any:
    return send(http, "patch", url, body)


def put(http: HttpClient, url: str, body: dict[str, Any]) -> Any:
    return send(http, "put", url, body)


def error_fields(response: Any) -> dict[str | None, str | None]:
    """The fields an API error names, each with its code."""
    return {detail["field"]: detail["code"] for detail in response.json()["error"]["details"]}
