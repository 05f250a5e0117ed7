"""A reusable access-matrix harness: roles × objects × paths.

A test builds a world (people in a team tree, objects owned by them), declares which actor may
reach which object, and lists the paths through which an object can be reached (list page, card,
API list, API item, API change, export, search…). The harness probes every path for every
(actor, object) pair with a real HTTP client and reports every mismatch at once, as a table,
so a failure says "manager_south reached user mgr_north1 via api_get" rather than just "False".

Later issues add their paths (client card, kanban, calendar feed…) and objects to the same matrix.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.test import Client


@dataclass(frozen=True)
class AccessPath:
    """One way to reach an object. ``probe`` returns True when the client reached it."""

    name: str
    probe: Callable[[Client, models.Model], bool]


@dataclass(frozen=True)
class Mismatch:
    actor: str
    obj: str
    path: str
    expected: bool
    actual: bool

    def __str__(self) -> str:
        verb = "should reach" if self.expected else "must NOT reach"
        return f"{self.actor} {verb} {self.obj} via {self.path} (it {'did' if self.actual else 'did not'})"


def run_matrix(
    *,
    actors: Mapping[str, Any],
    objects: Mapping[str, models.Model],
    paths: Iterable[AccessPath],
    allowed: Mapping[str, set[str]],
) -> list[Mismatch]:
    """Probe every path for every actor and object; ``allowed[actor]`` names the objects it may reach."""
    path_list = list(paths)
    mismatches = []
    for actor_name, actor in actors.items():
        client = Client()
        client.force_login(actor)
        for obj_name, obj in objects.items():
            expected = obj_name in allowed.get(actor_name, set())
            for path in path_list:
                actual = path.probe(client, obj)
                if actual != expected:
                    mismatches.append(Mismatch(actor_name, obj_name, path.name, expected, actual))
    return mismatches


def html_contains(url: str, marker: Callable[[models.Model], str]) -> Callable[[Client, models.Model], bool]:
    """Probe a list page: the object's marker text appears in the HTML."""

    def probe(client: Client, obj: models.Model) -> bool:
        response = client.get(url)
        assert response.status_code in (200, 403), f"{url} answered {response.status_code}"
        return response.status_code == 200 and marker(obj) in response.content.decode()

    return probe


def status_ok(url: Callable[[models.Model], str], *, hidden: int = 404) -> Callable[[Client, models.Model], bool]:
    """Probe a card or API item: 200 means reached; anything else must be ``hidden`` (404, never 403)."""

    def probe(client: Client, obj: models.Model) -> bool:
        response = client.get(url(obj))
        assert response.status_code in (200, hidden), f"{url(obj)} answered {response.status_code}, expected 200 or {hidden}"
        return response.status_code == 200

    return probe


def api_list_contains(url: str) -> Callable[[Client, models.Model], bool]:
    """Probe an API list: the object's id is among the items (follows cursors to the end)."""

    def probe(client: Client, obj: models.Model) -> bool:
        next_url: str | None = url
        while next_url:
            response = client.get(next_url)
            assert response.status_code == 200, f"{next_url} answered {response.status_code}"
            body = response.json()
            if any(item["id"] == obj.pk for item in body["items"]):
                return True
            cursor = body.get("next_cursor")
            next_url = f"{url}{'&' if '?' in url else '?'}cursor={cursor}" if cursor else None
        return False

    return probe


def api_write(
    method: str, url: Callable[[models.Model], str], payload: Callable[[models.Model], dict[str, Any]]
) -> Callable[[Client, models.Model], bool]:
    """Probe an API write: 2xx means the change went through; a hidden object answers 404, a visible
    but read-only one 403."""

    def probe(client: Client, obj: models.Model) -> bool:
        response = client.generic(method, url(obj), data=_json(payload(obj)), content_type="application/json")
        assert response.status_code in (200, 201, 204, 403, 404), f"{method} {url(obj)} answered {response.status_code}"
        return 200 <= response.status_code < 300

    return probe


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def format_mismatches(mismatches: list[Mismatch]) -> str:
    return "\n".join(str(m) for m in mismatches)
