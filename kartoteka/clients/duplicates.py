"""Likely duplicates of a client: the live check behind the new-client wizard and the batch scan.

Rules (any one makes a hit): the same tax identifier (INN, EDRPOU, CUI, IDNO — ``Client.tax_id``), the
same normalised phone or email (``ContactPoint.search_key``), or a similar name once legal form, quotes
and case are gone (``Client.name_key``, compared with rapidfuzz).

Every candidate comes from an indexed lookup; nothing walks the client table in Python. The live check
looks at *all* clients, so a manager does not create a second card for a colleague's client, but it
names only the clients the viewer may see: for the others it says that one exists and whom to ask.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from kartoteka.clients import requisites as rules
from kartoteka.clients.models import (
    Client,
    DuplicateGroup,
    DuplicateGroupMember,
    DuplicateScan,
    DuplicateScanStatus,
)
from kartoteka.clients.names import name_key
from kartoteka.contacts.models import ContactPoint, ContactPointKind
from kartoteka.contacts.normalize import format_phone, phone_query_key
from kartoteka.users import access
from kartoteka.users.models import Scope

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kartoteka.users.models import User

logger = logging.getLogger(__name__)

# Names at least this similar (0-100) are reported. token_sort_ratio scores typos and word order
# ("Ромашка"/"Ромашко" 86, "Иванов Иван"/"Иван Иванов" 100); a name contained in a longer one at
# least twice its length ("Сбербанк"/"Сбербанк России") counts at 90 % of its token_set_ratio.
NAME_THRESHOLD = 85
# A name shorter than this is not compared by containment: "мир" is in too many names.
CONTAINMENT_MIN_LENGTH = 5
# Neighbours in name_key order read around each probe; the name index serves them in key order.
NEIGHBOURS_AFTER = 60
NEIGHBOURS_BEFORE = 20
# How many words of a name also start a probe (for "Торговый дом Ромашка" typed as "Ромашка ТД").
PROBE_WORDS = 3
# How many rows one exact rule may bring: a number shared by hundreds of cards is a switchboard.
EXACT_CAP = 50

PHONE_KINDS = (ContactPointKind.PHONE, ContactPointKind.WHATSAPP, ContactPointKind.VIBER)

# What each rule weighs when it alone links two clients.
_WEIGHTS = {"tax_id": 100, "email": 90, "phone": 85}


@dataclass
class DuplicateHit:
    """A client that looks like the one being entered.

    ``client`` is set only when the viewer may see it; ``client_id`` is for code (grouping, tests) and
    must never be shown or sent to a user when ``client`` is None.
    """

    client_id: int
    client: Client | None
    reasons: list[str]
    score: int
    message: str
    # Rule codes that matched: "tax_id", "phone", "email", "name", "similar_name".
    rules: list[str] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return self.client is not None

    @property
    def same_tax_id(self) -> bool:
        return "tax_id" in self.rules


def name_similarity(a: str, b: str) -> int:
    """How alike two name keys are, 0-100 (see NAME_THRESHOLD)."""
    if not a or not b:
        return 0
    if a == b:
        return 100
    score = fuzz.token_sort_ratio(a, b)
    shorter, longer = sorted((len(a), len(b)))
    # Containment ("Сбербанк" in "Сбербанк России") counts only when the shorter name is most of the
    # longer one: "Белов" is not a duplicate of "Белов, Агафонов и Воронов".
    if shorter >= CONTAINMENT_MIN_LENGTH and shorter * 2 >= longer:
        score = max(score, 0.9 * fuzz.token_set_ratio(a, b))
    return round(score)


def normalize_tax_id(value: str) -> str:
    """The stored form of a typed tax id ("RO 185 472 90" -> "18547290"), or "" if it is not one."""
    text = rules.normalize_digits(value).upper()
    if text.startswith("RO") and text[2:].isascii() and text[2:].isdigit():
        text = text[2:]
    return text if text.isascii() and text.isdigit() else ""


def tax_id_label(country: str) -> str:
    field_name = rules.tax_id_field(country)
    return str(rules.FIELD_LABELS[field_name]) if field_name else _("tax ID")


@dataclass
class _Match:
    rules: dict[str, str] = field(default_factory=dict)  # rule -> what matched (phone, email, score)
    name_score: int = 0


def find_duplicates(
    *,
    viewer: User | AnonymousUser,
    name: str = "",
    tax_id: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[DuplicateHit]:
    """Clients that are probably the one described, best first; checked against all clients.

    Runs a bounded number of indexed queries whatever the table size: one for the tax id, one for
    phones and emails, at most ``2 × PROBE_WORDS`` for the name, one to load the hits.
    """
    matches: dict[int, _Match] = {}

    def match(client_id: int) -> _Match:
        return matches.setdefault(client_id, _Match())

    others = Client.objects.all() if exclude_id is None else Client.objects.exclude(pk=exclude_id)

    tax = normalize_tax_id(tax_id)
    if tax:
        for client_id in others.filter(tax_id=tax).values_list("pk", flat=True)[:EXACT_CAP]:
            match(client_id).rules["tax_id"] = tax

    phone_keys = {key for key in (phone_query_key(raw) for raw in phones if raw) if key}
    email_keys = {raw.strip().lower() for raw in emails if raw and "@" in raw}
    if phone_keys or email_keys:
        condition = models.Q(pk__in=[])
        if phone_keys:
            condition |= models.Q(kind__in=PHONE_KINDS, search_key__in=sorted(phone_keys))
        if email_keys:
            condition |= models.Q(kind=ContactPointKind.EMAIL, search_key__in=sorted(email_keys))
        points = ContactPoint.objects.filter(condition)
        if exclude_id is not None:
            points = points.exclude(client_id=exclude_id)
        for client_id, kind, value in points.values_list("client_id", "kind", "value")[: EXACT_CAP * 2]:
            if kind == ContactPointKind.EMAIL:
                match(client_id).rules.setdefault("email", value)
            else:
                match(client_id).rules.setdefault("phone", value if value.startswith("+") else "")

    key = name_key(name)
    if key:
        for client_id, candidate in _name_candidates(others, key):
            score = name_similarity(key, candidate)
            if score >= NAME_THRESHOLD:
                found = match(client_id)
                found.name_score = max(found.name_score, score)

    if not matches:
        return []
    clients = Client.objects.select_related("legal_form", "responsible").in_bulk(list(matches))
    hits = [_hit(viewer, clients[client_id], found) for client_id, found in matches.items() if client_id in clients]
    hits.sort(key=lambda hit: (not hit.same_tax_id, -hit.score, not hit.visible, hit.client_id))
    return hits[:limit]


def _name_candidates(queryset: models.QuerySet[Client], key: str) -> Iterator[tuple[int, str]]:
    """(id, name_key) of clients whose name_key sorts next to the typed name or to one of its rotations.

    Each probe reads a few dozen neighbours in its three-letter block through the name_key index, so
    "ромашка" finds "ромашка плюс" and "ромашко", and "дом ромашка" (rotated) finds "ромашка".
    """
    words = key.split()
    probes = [key]
    for position in range(1, min(len(words), PROBE_WORDS)):
        if len(words[position]) >= 3:
            probes.append(" ".join(words[position:] + words[:position]))
    seen: set[int] = set()
    for probe in probes:
        if len(probe) < 3:
            for client_id, candidate in queryset.filter(name_key=probe).values_list("pk", "name_key")[:NEIGHBOURS_AFTER]:
                if client_id not in seen:
                    seen.add(client_id)
                    yield client_id, candidate
            continue
        start, end = _block(probe)
        after = queryset.filter(name_key__gte=probe, name_key__lt=end).order_by("name_key", "pk")
        before = queryset.filter(name_key__gte=start, name_key__lt=probe).order_by("-name_key", "-pk")
        for window in (after[:NEIGHBOURS_AFTER], before[:NEIGHBOURS_BEFORE]):
            for client_id, candidate in window.values_list("pk", "name_key"):
                # The range is a superset under some collations; the prefix is what the block means.
                if client_id not in seen and candidate.startswith(start):
                    seen.add(client_id)
                    yield client_id, candidate


def name_key_prefix(prefix: str) -> models.Q:
    """Clients whose name_key starts with ``prefix``, as a range the name_key index can serve.

    A plain LIKE 'abc%' uses a B-tree index only under the C collation; the range works under any, and
    the startswith keeps the answer exact where a collation's order puts other keys inside the range.
    """
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return models.Q(name_key__gte=prefix, name_key__lt=end, name_key__startswith=prefix)


def _block(key: str) -> tuple[str, str]:
    """The three-letter block of ``key`` as a half-open range [start, end) usable by an index."""
    start = key[:3]
    return start, start[:-1] + chr(ord(start[-1]) + 1)


def _hit(viewer: User | AnonymousUser, client: Client, found: _Match) -> DuplicateHit:
    reasons: list[str] = []
    rule_codes: list[str] = []
    scores: list[int] = []
    if "tax_id" in found.rules:
        reasons.append(_("same %(field)s") % {"field": tax_id_label(client.country)})
        rule_codes.append("tax_id")
        scores.append(_WEIGHTS["tax_id"])
    if "phone" in found.rules:
        phone = found.rules["phone"]
        reasons.append(_("same phone %(phone)s") % {"phone": format_phone(phone)} if phone else _("same phone"))
        rule_codes.append("phone")
        scores.append(_WEIGHTS["phone"])
    if "email" in found.rules:
        reasons.append(_("same email"))
        rule_codes.append("email")
        scores.append(_WEIGHTS["email"])
    if found.name_score:
        if found.name_score == 100:
            reasons.append(_("same name"))
            rule_codes.append("name")
        else:
            reasons.append(_("similar name (%(score)d%%)") % {"score": found.name_score})
            rule_codes.append("similar_name")
        scores.append(found.name_score)
    # Each further rule that agrees makes the match more certain.
    score = min(100, max(scores) + 5 * (len(scores) - 1))
    visible = access.can(viewer, "view", client)
    return DuplicateHit(
        client_id=client.pk,
        client=client if visible else None,
        reasons=reasons,
        score=score,
        message=_message(client, rule_codes[0], visible),
        rules=rule_codes,
    )


def _message(client: Client, rule: str, visible: bool) -> str:
    if not visible:
        # Neither the name nor the id of a client the viewer may not see: only that it exists.
        if rule == "tax_id":
            return _(
                "A client with this %(field)s already exists; it belongs to another manager — "
                "ask your supervisor before creating a new card."
            ) % {"field": tax_id_label(client.country)}
        if rule == "phone":
            return _(
                "A client with this phone number already exists; it belongs to another manager — "
                "ask your supervisor before creating a new card."
            )
        if rule == "email":
            return _(
                "A client with this email address already exists; it belongs to another manager — "
                "ask your supervisor before creating a new card."
            )
        return _(
            "A client with a similar name already exists; it belongs to another manager — "
            "ask your supervisor before creating a new card."
        )
    params = {
        "name": client.display_name,
        "responsible": str(client.responsible) if client.responsible_id else _("nobody"),
    }
    if rule == "tax_id":
        return _("A client with this %(field)s already exists: %(name)s (responsible: %(responsible)s).") % {
            **params,
            "field": tax_id_label(client.country),
        }
    if rule == "phone":
        return _("%(name)s already has this phone number (responsible: %(responsible)s).") % params
    if rule == "email":
        return _("%(name)s already has this email address (responsible: %(responsible)s).") % params
    return _("%(name)s has a similar name (responsible: %(responsible)s).") % params


# --- The batch scan -------------------------------------------------------------------------------

# Groups larger than this are cut: a name or number shared by hundreds of cards is not one company.
MAX_GROUP_SIZE = 50
# Similar-name groups keep the centre's closest names only.
MAX_SIMILAR_GROUP = 10
# Rows read per query while walking the name index.
SCAN_BATCH = 5000
# A block of names compared pairwise is split by longer prefixes above this size.
MAX_BLOCK = 2000


def can_run_scan(user: User | AnonymousUser) -> bool:
    """Heads of sales and administrators (whoever may change every client) start scans by hand."""
    return access.scope(user, "client", "change") == Scope.ALL


def duplicate_scan_start(*, actor: User | None) -> DuplicateScan:
    """Queue a scan unless one is already waiting or running (then that one is returned)."""
    from kartoteka.clients.tasks import scan_duplicates
    from kartoteka.jobs.services import job_enqueue

    if actor is not None and not can_run_scan(actor):
        raise PermissionDenied("only those who may change every client start a duplicate scan")
    with transaction.atomic():
        active = (
            DuplicateScan.objects.select_for_update()
            .filter(status__in=[DuplicateScanStatus.QUEUED, DuplicateScanStatus.RUNNING])
            .first()
        )
        if active is not None and not _lost(active):
            return active
        if active is not None:
            active.status = DuplicateScanStatus.FAILED
            active.finished_at = timezone.now()
            active.save(update_fields=["status", "finished_at"])
        scan = DuplicateScan.objects.create(started_by=actor)
        job = job_enqueue(scan_duplicates, scan.pk, idempotency_key=f"clients:duplicate-scan:{scan.pk}", created_by=actor)
        scan.job = job
        scan.save(update_fields=["job"])
    return scan


def _lost(scan: DuplicateScan) -> bool:
    """A scan whose job gave up (failed for good) will never finish: it must not block a new one."""
    from kartoteka.jobs.models import JobStatus

    return scan.job is not None and scan.job.status == JobStatus.FAILED


@dataclass
class _Group:
    reasons: list[dict[str, Any]] = field(default_factory=list)
    score: int = 0
    keys: list[str] = field(default_factory=list)


def scan_run(scan_id: int) -> dict[str, int]:
    """Group likely duplicates among all clients and store the groups on ``scan``.

    Exact rules are GROUP BY queries over indexed columns; similar names are compared pairwise only
    inside blocks of names that share their first three letters, read in name_key order in batches.
    """
    scan = DuplicateScan.objects.filter(pk=scan_id).first()
    if scan is None or scan.status == DuplicateScanStatus.FINISHED:
        return {"groups": scan.group_count if scan else 0}
    total = Client.objects.count()
    DuplicateScan.objects.filter(pk=scan_id).update(
        status=DuplicateScanStatus.RUNNING, started_at=timezone.now(), total=total, processed=0
    )
    try:
        groups: dict[frozenset[int], _Group] = {}

        def add(ids: Iterable[int], reason: dict[str, Any], score: int, key: str) -> None:
            members = frozenset(sorted(set(ids))[:MAX_GROUP_SIZE])
            if len(members) < 2:
                return
            group = groups.setdefault(members, _Group())
            if reason not in group.reasons:
                group.reasons.append(reason)
                group.keys.append(key)
            # Each further rule that agrees makes the group more certain.
            best = max(group.score, score)
            group.score = min(100, best + 5 * (len(group.reasons) - 1))

        _scan_tax_ids(add)
        _scan_contact_points(add)
        _scan_names(add, progress=lambda done: DuplicateScan.objects.filter(pk=scan_id).update(processed=done))
        count = _store(scan_id, groups)
    except BaseException:
        DuplicateScan.objects.filter(pk=scan_id).update(status=DuplicateScanStatus.FAILED, finished_at=timezone.now())
        raise
    return {"groups": count, "clients": total}


def _exact_groups(
    queryset: models.QuerySet[Any], key_field: str, id_field: str, extra: tuple[str, ...] = ()
) -> Iterator[tuple[str, list[int], tuple[Any, ...]]]:
    """(key, ids, extra values) for every key shared by two or more rows; two queries per 500 keys."""
    shared = list(
        queryset.order_by()
        .values(key_field)
        .annotate(n=Count(id_field, distinct=True))
        .filter(n__gt=1)
        .values_list(key_field, flat=True)
    )
    for start in range(0, len(shared), 500):
        chunk = shared[start : start + 500]
        members: dict[str, tuple[list[int], tuple[Any, ...]]] = {}
        rows = queryset.filter(**{f"{key_field}__in": chunk}).values_list(key_field, id_field, *extra)
        for key, member_id, *rest in rows.order_by(key_field, id_field):
            ids, _extra = members.setdefault(key, ([], tuple(rest)))
            if member_id not in ids:
                ids.append(member_id)
        for key, (ids, values) in members.items():
            yield key, ids, values


def _scan_tax_ids(add: Callable[..., None]) -> None:
    for tax_id, ids, (country,) in _exact_groups(Client.objects.exclude(tax_id=""), "tax_id", "id", ("country",)):
        field_name = rules.tax_id_field(country) or ""
        add(ids, {"rule": "tax_id", "field": field_name, "value": tax_id}, _WEIGHTS["tax_id"], tax_id)


def _scan_contact_points(add: Callable[..., None]) -> None:
    for kind, rule in ((ContactPointKind.PHONE, "phone"), (ContactPointKind.EMAIL, "email")):
        points = ContactPoint.objects.filter(kind=kind).exclude(search_key="")
        for key, ids, (value,) in _exact_groups(points, "search_key", "client_id", ("value",)):
            add(ids, {"rule": rule, "value": value}, _WEIGHTS[rule], key)


def _scan_names(add: Callable[..., None], *, progress: Callable[[int], Any]) -> None:
    block: list[tuple[int, str]] = []
    block_prefix: str | None = None
    done = 0
    for batch in _name_batches():
        for client_id, key in batch:
            prefix = key[:3]
            if prefix != block_prefix:
                _scan_block(block, add, depth=3)
                block, block_prefix = [], prefix
            block.append((client_id, key))
        done += len(batch)
        progress(done)
    _scan_block(block, add, depth=3)


def _name_batches() -> Iterator[list[tuple[int, str]]]:
    """All (id, name_key) in name_key order, a keyset page at a time (constant cost per page)."""
    queryset = Client.objects.exclude(name_key="").order_by("name_key", "pk").values_list("pk", "name_key")
    last: tuple[str, int] | None = None
    while True:
        page = queryset
        if last is not None:
            page = page.filter(models.Q(name_key__gt=last[0]) | models.Q(name_key=last[0], pk__gt=last[1]))
        rows = list(page[:SCAN_BATCH])
        if not rows:
            return
        yield rows
        last = (rows[-1][1], rows[-1][0])


def _scan_block(block: list[tuple[int, str]], add: Callable[..., None], *, depth: int) -> None:
    if len(block) < 2:
        return
    if len(block) > MAX_BLOCK and depth < 12:
        sub: dict[str, list[tuple[int, str]]] = {}
        for entry in block:
            sub.setdefault(entry[1][: depth + 2], []).append(entry)
        if len(sub) > 1:
            for entries in sub.values():
                _scan_block(entries, add, depth=depth + 2)
            return
    by_key: dict[str, list[int]] = {}
    for client_id, key in block:
        by_key.setdefault(key, []).append(client_id)
    for key, ids in by_key.items():
        if len(ids) > 1:
            add(ids, {"rule": "name", "value": key}, 95, key)
    # Similar (not equal) names, clustered around a centre: each key not yet in a group gathers the later
    # keys similar to it. Every member is then similar to the centre, so groups do not chain
    # ("белов" ~ "белова" ~ "беловы" ~ …) into hundreds of unrelated clients.
    keys = list(by_key)
    grouped: set[int] = set()
    for i, key in enumerate(keys[:-1]):
        if i in grouped:
            continue
        rest = keys[i + 1 :]
        found = {
            j for _c, _s, j in process.extract(key, rest, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_THRESHOLD, limit=None)
        }
        if len(key) >= CONTAINMENT_MIN_LENGTH:
            found |= {j for _c, _s, j in process.extract(key, rest, scorer=fuzz.token_set_ratio, score_cutoff=95, limit=None)}
        members = {}
        for j in found:
            other = i + 1 + j
            if other not in grouped:
                score = name_similarity(key, keys[other])
                if score >= NAME_THRESHOLD:
                    members[other] = score
        if not members:
            continue
        # The closest few: a centre similar to dozens of names is a common word, not one company.
        closest = sorted(members, key=lambda position: (-members[position], position))[: MAX_SIMILAR_GROUP - 1]
        grouped.add(i)
        grouped.update(closest)
        cluster = [i, *sorted(closest)]
        ids = [client_id for position in cluster for client_id in by_key[keys[position]]]
        shown = " · ".join(keys[position] for position in cluster[:4])[:255]
        score = max(members[position] for position in closest)
        add(ids, {"rule": "similar_name", "score": score}, score, shown)


def _store(scan_id: int, groups: dict[frozenset[int], _Group]) -> int:
    """Write the groups and make this scan the current one, in one transaction."""
    with transaction.atomic():
        existing = set(Client.objects.filter(pk__in={pk for members in groups for pk in members}).values_list("pk", flat=True))
        created = 0
        pending: list[tuple[DuplicateGroup, list[int]]] = []
        for members, group in groups.items():
            ids = sorted(pk for pk in members if pk in existing)  # a client may have been merged meanwhile
            if len(ids) < 2:
                continue
            pending.append(
                (
                    DuplicateGroup(
                        scan_id=scan_id, reasons=group.reasons, score=group.score, size=len(ids), key=group.keys[0][:255]
                    ),
                    ids,
                )
            )
        DuplicateGroup.objects.bulk_create([group for group, _ids in pending], batch_size=1000)
        DuplicateGroupMember.objects.bulk_create(
            [DuplicateGroupMember(group=group, client_id=pk) for group, ids in pending for pk in ids], batch_size=2000
        )
        created = len(pending)
        DuplicateScan.objects.filter(pk=scan_id).update(
            status=DuplicateScanStatus.FINISHED, finished_at=timezone.now(), group_count=created
        )
        # Only the latest finished scan is shown; older results would only mislead.
        DuplicateScan.objects.exclude(pk=scan_id).filter(
            status__in=[DuplicateScanStatus.FINISHED, DuplicateScanStatus.FAILED]
        ).delete()
    return created


def describe_reason(reason: dict[str, Any]) -> str:
    """A stored scan reason in the reader's language: "same INN 7707083893", "similar name (91%)"."""
    rule = reason.get("rule")
    if rule == "tax_id":
        label = rules.FIELD_LABELS.get(reason.get("field", "")) or _("tax ID")
        return _("same %(field)s %(value)s") % {"field": label, "value": reason.get("value", "")}
    if rule == "phone":
        return _("same phone %(phone)s") % {"phone": format_phone(str(reason.get("value", "")))}
    if rule == "email":
        return _("same email %(email)s") % {"email": reason.get("value", "")}
    if rule == "name":
        return _("same name")
    return _("similar name (%(score)d%%)") % {"score": int(reason.get("score", 0))}
