"""The tails report: promised contacts left undone too long after their deadline, per manager.

A supervisor (or the head of sales) who may change a tail's client gives the client to another
manager in one step: :func:`kartoteka.activities.services.tail_reassign` moves the client and its open
tasks, writes the card's history and notifies both managers (the ``client.reassigned`` event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kartoteka.activities import selectors, services
from kartoteka.activities.models import Task, TaskKind
from kartoteka.clients import selectors as client_selectors
from kartoteka.core.errors import DomainError
from kartoteka.users import access
from kartoteka.users.models import User

MAX_TAILS = 200  # one page; beyond this the report says so and the oldest are shown


@dataclass
class ManagerTails:
    assignee: User
    tails: list[Task] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.tails)

    @property
    def oldest_days(self) -> int:
        return max((task.days for task in self.tails), default=0)  # type: ignore[attr-defined]


# What a row shows and what the access checks read: the report lists up to MAX_TAILS rows, and
# building the full task, client and person rows for each cost more than the query itself.
ROW_FIELDS = (
    "id", "title", "kind", "due_at", "status", "assignee_id", "created_by_id", "client_id",
    "client__id", "client__name", "client__responsible_id", "client__team_id",
    "assignee__id", "assignee__email", "assignee__last_name", "assignee__first_name", "assignee__patronymic",
)  # fmt: skip


def _url_for(name: str) -> Any:
    """A function of a pk giving the URL ``name`` reverses to: one reverse() per page, not per row."""
    marker = 2_147_483_647  # an int pk the route accepts and no real URL part contains
    prefix, _, suffix = reverse(name, args=[marker]).partition(str(marker))
    return lambda pk: f"{prefix}{pk}{suffix}"


def tails_by_manager(user: Any) -> tuple[list[ManagerTails], bool]:
    """The viewer's visible tails grouped per assignee, oldest tail first in each group and the groups
    by their oldest tail. One query (client and assignee joined)."""
    now = timezone.now()
    rows = list(selectors.tails(user, now=now).select_related("client", "assignee").only(*ROW_FIELDS)[: MAX_TAILS + 1])
    truncated = len(rows) > MAX_TAILS
    groups: dict[int, ManagerTails] = {}
    task_url, card_url, reassign_url = _url_for("activities:task"), _url_for("clients:card"), _url_for("activities:tail_reassign")
    kinds = {value: str(label) for value, label in TaskKind.choices}
    for task in rows[:MAX_TAILS]:
        task.days = selectors.tail_days(task, now=now)  # type: ignore[attr-defined]
        task.client_visible = access.can(user, "view", task.client)  # type: ignore[arg-type, attr-defined]
        task.can_reassign = access.can(user, "change", task.client)  # type: ignore[arg-type, attr-defined]
        task.kind_label = kinds.get(task.kind, task.kind)  # type: ignore[attr-defined]
        task.url = task_url(task.pk)  # type: ignore[attr-defined]
        task.client_url = card_url(task.client_id) if task.client_visible else ""  # type: ignore[attr-defined]
        task.reassign_url = reassign_url(task.pk) if task.can_reassign else ""  # type: ignore[attr-defined]
        groups.setdefault(task.assignee_id, ManagerTails(assignee=task.assignee)).tails.append(task)
    ordered = sorted(groups.values(), key=lambda group: (-group.oldest_days, group.assignee.last_name))
    return ordered, truncated


@login_required
def tails_report(request: HttpRequest) -> HttpResponse:
    groups, truncated = tails_by_manager(request.user)
    context = {
        "groups": groups,
        "truncated": truncated,
        "max_tails": MAX_TAILS,
        "total": sum(group.count for group in groups),
        "after_days": settings.TAILS_AFTER_DAYS,
        "any_reassign": any(task.can_reassign for group in groups for task in group.tails),  # type: ignore[attr-defined]
    }
    return render(request, "activities/tasks/tails.html", context)


@login_required
@require_POST
def tail_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``to_user`` (a person's id, or a typed name or email that fits one active person the viewer
    may see): give the tail's client, with its open tasks, to that person."""
    task = access.get_visible_or_404(request.user, selectors.tails(request.user).select_related("client"), pk=pk)  # type: ignore[arg-type]
    raw = " ".join(request.POST.get("to_user", "").split())
    matches = client_selectors.resolve_people(request.user, [raw], active_only=True) if raw else []
    if len(matches) != 1:
        messages.error(request, _("Choose the manager to give the client to."))
        return redirect("activities:tails")
    person = matches[0]
    try:
        client = services.tail_reassign(actor=request.user, task=task, to_user=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("You may not give this client to someone else."))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(client)s is now %(person)s's, with its open tasks. Both managers have been notified.")
            % {"client": client.name, "person": person.get_full_name() or person.email},
        )
    return redirect("activities:tails")
