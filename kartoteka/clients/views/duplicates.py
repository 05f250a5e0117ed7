"""Duplicates: the batch scan report, plus the URLs of the new-client wizard and the merge screen.

The report lists the groups of the latest scan in which the viewer can see at least two clients, and
shows only those clients. Heads of sales and administrators start a scan by hand; the page follows its
progress with htmx and reloads itself when the new results are in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from kartoteka.clients.duplicates import can_run_scan, describe_reason, duplicate_scan_start
from kartoteka.clients.models import (
    Client,
    DuplicateGroup,
    DuplicateGroupMember,
    DuplicateScan,
    DuplicateScanStatus,
)
from kartoteka.clients.views import merge, wizard
from kartoteka.core.pagination import InvalidCursor, keyset_page
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.users.models import User

TEMPLATE = "clients/duplicates_report.html"
GROUPS_PER_PAGE = 50
ACTIVE = [DuplicateScanStatus.QUEUED, DuplicateScanStatus.RUNNING]


@dataclass
class GroupView:
    group: DuplicateGroup
    clients: list[Client]
    reasons: list[str]
    # (survivor, absorbed) pairs the viewer may open in the merge screen: the first client with each other.
    merge_links: list[tuple[Client, Client]]


def _require_clients(request: HttpRequest) -> None:
    if not access.can_use(request.user, ["client"]):
        raise PermissionDenied


def _latest_finished() -> DuplicateScan | None:
    return DuplicateScan.objects.filter(status=DuplicateScanStatus.FINISHED).order_by("-finished_at", "-id").first()


def _latest() -> DuplicateScan | None:
    """The newest scan whatever its state: running, queued, or failed after the last good one."""
    return DuplicateScan.objects.select_related("started_by").order_by("-created_at", "-id").first()


def _status_context(user: User) -> dict[str, object]:
    scan, latest = _latest_finished(), _latest()
    return {
        "scan": scan,
        "active": latest if latest is not None and latest.status in ACTIVE else None,
        "failed": latest if latest is not None and latest.status == DuplicateScanStatus.FAILED else None,
        "can_run": can_run_scan(user),
    }


def _groups(user: User, scan: DuplicateScan, cursor: str | None) -> tuple[list[GroupView], str | None]:
    """One page of groups with two or more clients the user can see, and only those clients.

    Three queries whatever the size of the scan: the page of groups (with a count of visible members),
    their visible members with the clients, and the access context (cached per user).
    """
    visible_ids = access.visible(user, Client).values("pk")
    groups = (
        DuplicateGroup.objects.filter(scan=scan)
        .annotate(visible_count=Count("members", filter=Q(members__client__in=visible_ids)))
        .filter(visible_count__gte=2)
        .prefetch_related(
            Prefetch(
                "members",
                queryset=DuplicateGroupMember.objects.filter(client__in=visible_ids)
                .select_related("client", "client__legal_form", "client__responsible")
                .order_by("client__created_at", "client_id"),
                to_attr="visible_members",
            )
        )
    )
    page = keyset_page(groups, order=["-score", "id"], limit=GROUPS_PER_PAGE, cursor=cursor)
    views = []
    for group in page.items:
        clients = [member.client for member in group.visible_members]  # type: ignore[attr-defined]
        first = clients[0]
        links = [
            (first, other) for other in clients[1:] if access.can(user, "change", first) and access.can(user, "delete", other)
        ]
        views.append(GroupView(group, clients, [describe_reason(reason) for reason in group.reasons], links))
    return views, page.next_cursor


@login_required
def duplicates_report(request: HttpRequest) -> HttpResponse:
    _require_clients(request)
    user: User = request.user  # type: ignore[assignment]
    context = _status_context(user)
    scan: DuplicateScan | None = context["scan"]  # type: ignore[assignment]
    groups: list[GroupView] = []
    next_cursor = None
    if scan is not None:
        try:
            groups, next_cursor = _groups(user, scan, request.GET.get("cursor"))
        except InvalidCursor:
            return redirect(reverse("clients:duplicates"))
    return render(request, TEMPLATE, {**context, "groups": groups, "next_cursor": next_cursor})


@login_required
@require_POST
def duplicates_run(request: HttpRequest) -> HttpResponse:
    _require_clients(request)
    if not can_run_scan(request.user):
        raise PermissionDenied
    duplicate_scan_start(actor=request.user)  # type: ignore[arg-type]
    if getattr(request, "htmx", False):
        return render(request, f"{TEMPLATE}#status", _status_context(request.user))  # type: ignore[arg-type]
    return redirect(reverse("clients:duplicates"))


@login_required
def duplicates_status(request: HttpRequest) -> HttpResponse:
    """Polled while a scan runs; when it has finished, tells htmx to reload the page with the new groups."""
    _require_clients(request)
    context = _status_context(request.user)  # type: ignore[arg-type]
    scan = context["scan"]
    if context["active"] is None and scan is not None and str(scan.pk) != request.GET.get("shown", ""):  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, f"{TEMPLATE}#status", context)


urlpatterns: list[URLPattern] = [
    path("new/", wizard.client_new, name="new"),
    path("new/check/", wizard.client_new_check, name="new_check"),
    path("<int:pk>/merge/", merge.client_merge, name="merge"),
    path("<int:pk>/merge/candidates/", merge.merge_candidates, name="merge_candidates"),
    path("duplicates/", duplicates_report, name="duplicates"),
    path("duplicates/run/", duplicates_run, name="duplicates_run"),
    path("duplicates/status/", duplicates_status, name="duplicates_status"),
]
