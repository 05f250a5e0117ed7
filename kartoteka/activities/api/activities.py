"""The relationship history in the API: the activity list, one activity, logging, changing, deleting; the results list.

Activities follow their client's visibility. Writes go through ``activities.services``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from kartoteka.activities import selectors, services
from kartoteka.activities.api.schemas import (
    ActivityCreate,
    ActivityFieldsIn,
    ActivityFilters,
    ActivityLoggedOut,
    ActivityOut,
    ActivityPage,
    ActivityResultList,
    ActivityResultOut,
    ActivityUpdate,
    ClientRefOut,
    ContactRefOut,
    ResultFilters,
)
from kartoteka.activities.models import Activity, ActivityKind, ActivityResult
from kartoteka.api import Id, errors, require_scope
from kartoteka.clients.api.common import (
    actor_of,
    input_names,
    not_found,
    paginate,
    ref_out,
    resolve_codes,
    user_ref,
    visible_client_for_input,
)
from kartoteka.clients.api.references import LocalizedNamesOut
from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact
from kartoteka.users import access
from kartoteka.users.models import User

AREA = "activities"  # the token scope area of activities, tasks and activity results

router = Router(tags=["activities"])

# Service error keys that differ from the input names (the service speaks of rows, the caller sent ids).
INPUT_NAMES = {"client": "client_id", "contact": "contact_id", "assignee": "assignee_id"}


def input_name(prefix: str = "") -> Callable[[str], str]:
    return lambda name: f"{prefix}{INPUT_NAMES.get(name, name)}"


# --- Shared by the activity and task endpoints ----------------------------------------------------------


def client_ref(actor: User, client: Client) -> ClientRefOut:
    """The client of a record; of a client the caller may not open, only the id and the name."""
    if not access.can(actor, "view", client):
        return ClientRefOut(id=client.pk, name=client.display_name, accessible=False, url=None, card_url=None)
    return ClientRefOut(
        id=client.pk,
        name=client.display_name,
        accessible=True,
        url=reverse("api:clients_get", kwargs={"client_id": client.pk}),
        card_url=reverse("clients:card", args=[client.pk]),
    )


def contact_ref(contact: Contact | None) -> ContactRefOut | None:
    return None if contact is None else ContactRefOut(id=contact.pk, name=contact.full_name)


def person_id(actor: User, value: str) -> int:
    return actor.pk if value == "me" else int(value)


def checked_names(field: str, value: str, allowed: Iterable[str]) -> list[str]:
    """The comma-separated names of a filter; an unknown one is a 422 naming the parameter."""
    names = [name for name in value.split(",") if name]
    unknown = [name for name in names if name not in set(allowed)]
    if unknown:
        message = _("Unknown value: %(values)s.") % {"values": ", ".join(unknown)}
        raise ValidationError({field: ValidationError(message, code="unknown")})
    return names


def visible_contact_for_input(actor: User, contact_id: int, field: str = "contact_id") -> Contact:
    contact = access.visible(actor, Contact).filter(pk=contact_id).first()
    if contact is None:
        raise not_found(field)
    return contact


def activity_values(actor: User, payload: ActivityFieldsIn, *, current: Activity | None = None) -> dict[str, Any]:
    """Service-ready values of the fields sent: ids and codes become rows."""
    sent = payload.model_fields_set - {"client_id", "next_task"}
    values = {name: getattr(payload, name) for name in sent}
    if "contact_id" in values:
        contact_id = values.pop("contact_id")
        values["contact"] = None if contact_id is None else visible_contact_for_input(actor, contact_id)
    if "result" in values:
        values.update(resolve_codes({"result": values["result"]}, {"result": ActivityResult}, current=current))
    return values


# --- Reading --------------------------------------------------------------------------------------------


def activity_rows(actor: User) -> QuerySet[Activity]:
    """Visible activities with everything their representation needs, in one query."""
    return selectors.visible_activities(actor).select_related("client__legal_form", "contact", "author", "result")


def activity_out(actor: User, activity: Activity) -> ActivityOut:
    return ActivityOut(**_activity_fields(actor, activity))


def _activity_fields(actor: User, activity: Activity) -> dict[str, Any]:
    plain = (
        "kind", "occurred_at", "initiator", "channel", "direction", "productive", "subject", "summary", "duration_minutes",
        "recording_url", "place", "participants", "product", "interest_level", "task_id", "created_at", "updated_at",
    )  # fmt: skip
    return {
        "id": activity.pk,
        "client": client_ref(actor, activity.client),
        "contact": contact_ref(activity.contact),
        "author": user_ref(activity.author),
        "result": ref_out(activity.result),
        **{name: getattr(activity, name) for name in plain},
    }


def _read(actor: User, activity_id: int) -> Activity:
    return access.get_visible_or_404(actor, activity_rows(actor), pk=activity_id)


@router.get("/activities", response={200: ActivityPage, **errors(400, 401, 403, 422)}, summary="Activities you may see")
def activities_list(request: HttpRequest, filters: Query[ActivityFilters]) -> ActivityPage:
    """Newest first (by when it happened, then by id). Filters combine with AND."""
    require_scope(request, AREA, "read")
    actor = actor_of(request)
    queryset = activity_rows(actor)
    if filters.client is not None:
        queryset = queryset.filter(client_id=filters.client)
    if filters.contact is not None:
        queryset = queryset.filter(contact_id=filters.contact)
    if filters.kind:
        queryset = queryset.filter(kind__in=checked_names("kind", filters.kind, ActivityKind.values))
    if filters.author:
        queryset = queryset.filter(author_id=person_id(actor, filters.author))
    if filters.productive is not None:
        queryset = queryset.filter(productive=filters.productive)
    if filters.result:
        codes = [code for code in filters.result.split(",") if code]
        queryset = queryset.filter(result__in=ActivityResult.objects.filter(code__in=codes).values("pk"))
    if filters.occurred_after is not None:
        queryset = queryset.filter(occurred_at__gte=filters.occurred_after)
    if filters.occurred_before is not None:
        queryset = queryset.filter(occurred_at__lt=filters.occurred_before)
    rows, next_cursor = paginate(
        queryset, sort="recent", order=["-occurred_at", "-id"], limit=filters.limit, cursor=filters.cursor
    )
    return ActivityPage(items=[activity_out(actor, activity) for activity in rows], next_cursor=next_cursor)


@router.get("/activities/{activity_id}", response={200: ActivityOut, **errors(401, 403, 404)}, summary="An activity")
def activities_get(request: HttpRequest, activity_id: Id) -> ActivityOut:
    require_scope(request, AREA, "read")
    actor = actor_of(request)
    return activity_out(actor, _read(actor, activity_id))


# --- Writing --------------------------------------------------------------------------------------------


@router.post(
    "/activities",
    response={201: ActivityLoggedOut, **errors(401, 403, 409, 422)},
    summary="Log an activity (and, with next_task, plan the next contact)",
)
def activities_create(request: HttpRequest, payload: ActivityCreate) -> Status[ActivityLoggedOut]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    # Imported here: the task endpoints import this module for the shared helpers.
    from kartoteka.activities.api.tasks import task_out, task_rows, task_values

    with transaction.atomic():
        client = visible_client_for_input(actor, payload.client_id)
        with input_names(input_name()):
            values = activity_values(actor, payload)
            logged = services.activity_log(actor=actor, client=client, values=values)
        planned = None
        if payload.next_task is not None:
            # Planned in a second call so that its errors are reported under next_task.…
            with input_names(input_name("next_task."), default="next_task"):
                next_values = task_values(actor, payload.next_task)
                next_values.update(client=client, contact=logged.activity.contact)
                planned = services.task_create(actor=actor, values=next_values)
    activity = _read(actor, logged.activity.pk)
    next_task = None if planned is None else task_out(actor, access.get_visible_or_404(actor, task_rows(actor), pk=planned.pk))
    return Status(201, ActivityLoggedOut(**_activity_fields(actor, activity), next_task=next_task))


@router.patch(
    "/activities/{activity_id}",
    response={200: ActivityOut, **errors(401, 403, 404, 409, 422)},
    summary="Change an activity (only the fields sent)",
)
def activities_update(request: HttpRequest, activity_id: Id, payload: ActivityUpdate) -> ActivityOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    activity = _read(actor, activity_id)
    access.require(actor, "change", activity)  # visible but read-only: 403, even for an empty body
    with input_names(input_name()):
        services.activity_update(actor=actor, activity=activity, changes=activity_values(actor, payload, current=activity))
    return activity_out(actor, _read(actor, activity_id))


@router.delete("/activities/{activity_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete an activity")
def activities_delete(request: HttpRequest, activity_id: Id) -> Status[None]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.activity_delete(actor=actor, activity=_read(actor, activity_id))
    return Status(204, None)


# --- The results reference list ---------------------------------------------------------------------------


@router.get(
    "/activity-results",
    response={200: ActivityResultList, **errors(401, 403)},
    summary="How a contact can end (read-only: administrators edit the list in the administration site)",
)
def activity_results_list(request: HttpRequest, filters: Query[ResultFilters]) -> ActivityResultList:
    require_scope(request, AREA, "read")
    entries = ActivityResult.objects.order_by("order", "name_en", "id")
    if filters.active is not None:
        entries = entries.filter(is_active=filters.active)
    return ActivityResultList(
        items=[
            ActivityResultOut(
                id=entry.pk,
                code=entry.code,
                name=str(entry.name),
                names=LocalizedNamesOut(en=entry.name_en, ru=entry.name_ru, uk=entry.name_uk, ro=entry.name_ro),
                productive=entry.productive,
                is_active=entry.is_active,
                order=entry.order,
            )
            for entry in entries
        ]
    )
