"""The client card's "Planned" panel: the client's open tasks, overdue first in red, with quick actions.

Imported from ``ActivitiesConfig.ready`` (it registers itself). One query: the open tasks with their
assignees; the client is the card's own object.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kartoteka.activities import selectors
from kartoteka.activities.views.tasks import decorate
from kartoteka.clients import panels
from kartoteka.clients.models import Client

PANEL_TASKS = 10


def planned_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    tasks = list(
        selectors.open_tasks(request.user)  # type: ignore[arg-type]
        .filter(client=client)
        .select_related("assignee")
        .order_by("due_at", "id")[: PANEL_TASKS + 1]
    )
    for task in tasks:
        task.client = client  # the card's object: no query per task
    return {"planned_tasks": decorate(request.user, tasks[:PANEL_TASKS]), "planned_more": len(tasks) > PANEL_TASKS}


PANEL = panels.register(
    panels.Panel(
        key="planned",
        label=_("Planned"),
        template="activities/tasks/panel.html",
        context=planned_context,
        order=4,
        column="side",
    )
)
