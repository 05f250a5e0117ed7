"""The merge screen: pick the other client, compare both cards field by field, choose what stays, merge.

The merge itself is ``clients.services.client_merge`` (it moves every record that points at the absorbed
client and records the merge). Both clients are fetched through the access policy: a client the user
cannot see is missing (404), and only clients the user may change are offered as the other one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kartoteka.clients import services
from kartoteka.clients.duplicates import find_duplicates, name_key_prefix, normalize_tax_id, tax_id_label
from kartoteka.clients.models import Client, Requisites
from kartoteka.clients.names import name_key
from kartoteka.clients.requisites import FIELD_LABELS, looks_like_tax_id
from kartoteka.contacts.models import ContactPoint, ContactPointKind
from kartoteka.core.text import matches_all_words
from kartoteka.users import access

if TYPE_CHECKING:
    from kartoteka.users.models import User

TEMPLATE = "clients/merge.html"
CANDIDATE_LIMIT = 20
# Foreign keys among the card's fields: loaded with the clients so the comparison costs one query.
_RELATED = [name for name in services.CLIENT_FIELDS if isinstance(Client._meta.get_field(name), models.ForeignKey)]
# Relations the comparison does not count: the merge log itself.
_NOT_COUNTED = {"merges"}


@dataclass
class FieldRow:
    name: str
    label: str
    left: str
    right: str
    keep: int  # pk of the client whose value is kept


def _clients() -> models.QuerySet[Client]:
    return Client.objects.select_related(*_RELATED)


def _changeable(user: User) -> models.QuerySet[Client]:
    return access.visible(user, Client, action="change")


@login_required
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    client = access.get_visible_or_404(user, _clients(), pk=pk)
    if not access.can(user, "change", client):
        raise PermissionDenied
    other_id = request.POST.get("with") or request.GET.get("with")
    if not other_id:
        return _chooser(request, client)
    other = access.get_visible_or_404(user, _clients().filter(pk__in=_changeable(user).values("pk")), pk=other_id)
    if other.pk == client.pk:
        raise Http404
    return _compare(request, client, other)


def _chooser(request: HttpRequest, client: Client) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    query = request.GET.get("q", "").strip()
    points = ContactPoint.objects.filter(client=client, kind__in=[ContactPointKind.PHONE, ContactPointKind.EMAIL])
    phones: list[str] = []
    emails: list[str] = []
    for kind, value in points.values_list("kind", "value"):
        (emails if kind == ContactPointKind.EMAIL else phones).append(value)
    hits = find_duplicates(
        viewer=user, name=client.name, tax_id=client.tax_id, phones=phones, emails=emails, exclude_id=client.pk
    )
    suggestions = [hit for hit in hits if hit.client is not None and access.can(user, "change", hit.client)]
    context = {
        "client": client,
        "suggestions": suggestions,
        "query": query,
        "candidates": _candidates(user, client, query) if query else None,
    }
    return render(request, TEMPLATE, context)


@login_required
def merge_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """Clients the user may change whose name or tax id matches ``q`` (the chooser's live search)."""
    user: User = request.user  # type: ignore[assignment]
    client = access.get_visible_or_404(user, Client, pk=pk)
    query = request.GET.get("q", "").strip()
    context = {"client": client, "query": query, "candidates": _candidates(user, client, query) if query else None}
    return render(request, f"{TEMPLATE}#candidates", context)


def _candidates(user: User, client: Client, query: str) -> list[Client]:
    """By tax id when the query is one, else by the start of the name key (indexed), then by any word of the name."""
    queryset = _changeable(user).exclude(pk=client.pk).select_related("legal_form", "responsible")
    digits = looks_like_tax_id(query)
    if digits:
        return list(queryset.filter(tax_id=normalize_tax_id(digits) or digits).order_by("name", "pk")[:CANDIDATE_LIMIT])
    key = name_key(query)
    found: list[Client] = []
    if len(key) >= 2:
        found = list(queryset.filter(name_key_prefix(key)).order_by("name_key", "pk")[:CANDIDATE_LIMIT])
    if len(found) < CANDIDATE_LIMIT:
        more = queryset.filter(matches_all_words(["name"], query)).exclude(pk__in=[c.pk for c in found])
        found += list(more.order_by("name", "pk")[: CANDIDATE_LIMIT - len(found)])
    return found


def _display(client: Client, name: str) -> str:
    field = Client._meta.get_field(name)
    value = getattr(client, name)
    if value is None or value == "":
        return ""
    if getattr(field, "choices", None):
        return str(getattr(client, f"get_{name}_display")())
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        # Turnover and potential read like on the card: "431 280 000,00", not "431280000.00".
        return number_format(value, force_grouping=True)
    return str(value)


def _field_rows(left: Client, right: Client) -> list[FieldRow]:
    """The card fields whose values differ; by default the left (this) card's value stays unless it is empty."""
    rows = []
    for name in services.CLIENT_FIELDS:
        field = Client._meta.get_field(name)
        attname = field.attname  # type: ignore[union-attr]
        if getattr(left, attname) == getattr(right, attname):
            continue
        left_text, right_text = _display(left, name), _display(right, name)
        keep = right.pk if not left_text and right_text else left.pk
        label = str(field.verbose_name)  # type: ignore[union-attr]
        rows.append(FieldRow(name=name, label=label[:1].upper() + label[1:], left=left_text, right=right_text, keep=keep))
    return rows


def _related_counts(left: Client, right: Client) -> list[tuple[str, int, int]]:
    """How many records of each kind hang on each card: one grouped COUNT per relation, whatever the data."""
    ids = [left.pk, right.pk]
    rows = []
    for relation in Client._meta.related_objects:
        if relation.one_to_one or relation.many_to_many or relation.name in _NOT_COUNTED:
            continue
        model = relation.related_model
        field_name = relation.field.name
        counts = dict(
            model._default_manager.filter(**{f"{field_name}__in": ids})  # type: ignore[union-attr]
            .order_by()
            .values_list(field_name)
            .annotate(n=Count("pk"))
        )
        if counts:
            label = str(model._meta.verbose_name_plural)  # type: ignore[union-attr]
            rows.append((label[:1].upper() + label[1:], counts.get(left.pk, 0), counts.get(right.pk, 0)))
    return rows


def _requisite_rows(left: Client, right: Client) -> list[tuple[str, str, str]]:
    by_client = {r.client_id: r for r in Requisites.objects.filter(client_id__in=[left.pk, right.pk])}
    rows = []
    for name in services.REQUISITE_FIELDS:
        values = [getattr(by_client.get(c.pk), name, "") or "" for c in (left, right)]
        if any(values):
            label = FIELD_LABELS.get(name) or Requisites._meta.get_field(name).verbose_name  # type: ignore[union-attr]
            rows.append((str(label), values[0], values[1]))
    return rows


def _compare(request: HttpRequest, client: Client, other: Client) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    rows = _field_rows(client, other)
    # Who may be kept: the survivor needs "change", the other one "delete".
    can_keep = {
        client.pk: access.can(user, "change", client) and access.can(user, "delete", other),
        other.pk: access.can(user, "change", other) and access.can(user, "delete", client),
    }
    survivor_pk = client.pk if can_keep[client.pk] else other.pk
    errors: list[str] = []
    if request.method == "POST":
        for row in rows:
            chosen = request.POST.get(f"keep_{row.name}", "")
            if chosen in (str(client.pk), str(other.pk)):
                row.keep = int(chosen)
        chosen_survivor = request.POST.get("survivor", "")
        if chosen_survivor not in (str(client.pk), str(other.pk)):
            errors.append(_("Choose which client to keep."))
        else:
            survivor_pk = int(chosen_survivor)
            if not can_keep[survivor_pk]:
                errors.append(_("You may not delete the other client: keep it instead, or ask your supervisor."))
        if not request.POST.get("confirm"):
            errors.append(_("Tick the confirmation: merging cannot be undone."))
        if not errors:
            survivor, absorbed = (client, other) if survivor_pk == client.pk else (other, client)
            take_fields = [row.name for row in rows if row.keep == absorbed.pk]
            try:
                merge = services.client_merge(actor=user, survivor=survivor, absorbed=absorbed, take_fields=take_fields)
            except PermissionDenied:
                errors.append(_("You may not merge these clients."))
            except services.MergeError as error:
                errors.append(error.message)
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                moved = ", ".join(f"{label}: {count}" for label, count in merge.moved.items())
                text = _("%(absorbed)s was merged into this client.") % {"absorbed": merge.absorbed_name}
                if moved:
                    text += " " + _("Moved: %(moved)s.") % {"moved": moved}
                messages.success(request, text)
                return redirect(reverse("clients:card", args=[survivor.pk]))
    context: dict[str, Any] = {
        "client": client,
        "other": other,
        "sides": [{"client": c, "can_keep": can_keep[c.pk]} for c in (client, other)],
        "rows": rows,
        "counts": _related_counts(client, other),
        "requisites": _requisite_rows(client, other),
        "tax_label": tax_id_label(client.country),
        "survivor_pk": survivor_pk,
        "can_merge": any(can_keep.values()),
        "errors": errors,
        "confirmed": bool(request.POST.get("confirm")),
    }
    return render(request, TEMPLATE, context)
