"""Deals of the bench clients: about 200,000 at scale 1 (DESIGN §9), with their stage history, line items,
contact persons and price proposals.

Like the clients and activities generators, rows are built in memory and inserted in bulk (``COPY`` on
PostgreSQL, ``executemany`` on SQLite), bypassing the services on purpose: ``deal_create`` and
``deal_move_stage`` per row would take hours and publish a million events nobody measures. Bench deals
therefore have no change history (simple-history rows); everything the services keep is derived here
instead: the status, ``closed_at`` and ``stage_entered_at`` follow the last :class:`StageChange`, every
change row carries the seconds spent in the stage it left, a deal that passed a stage requiring an
amount or a close date has one, and a deal with line items has their total as its amount.

Each bench client gets about two deals (more for VIP and A clients, fewer for C), owned by its
responsible manager in that manager's team: about 70% open, spread over the open stages with fewer
deals further down the funnel; 30% closed, four in ten won and six in ten lost with a reason. A deal's
history walks from the first stage to where it stands, now and then skipping a stage (about three
changes per deal). About a third have line items, most have a contact person of their client, and
deals that reached negotiation often have a few price proposals. Open deals take the client's next open
task as their next step (``Task.deal``), which is why this generator runs after the activities one.

**The kanban of 2,000.** Deals of the supervisor persona's department (department 001, about 5% of the
clients) go to a pipeline of their own, "Bench projects" (``bench-projects``, the department's funnel),
with probability ``PROJECTS_SHARE``: about 2,000 open deals at scale 1, the board the kanban scenarios
open as that supervisor. Every other deal is in the default pipeline ("sales").

Bench deals are the ones created by the bench administrator persona (``created_by``). A client is done
once it has a bench deal; a run skips the done clients without drawing for them, and every client draws
from its own random stream, so the same seed gives the same deals and a larger scale tops up the new
clients only. (A client that drew no deal is drawn again on the next run and again draws none.)
"""

from __future__ import annotations

import datetime
import logging
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from bench import generator
from bench.data import insert_in_batches
from bench.generators.clients import FastInsert, Mix, analyze, marker_user, reserve_ids
from bench.generators.users import department_name
from bench.personas import MANAGER, PERSONAS
from kartoteka.activities.demo import PRODUCTS
from kartoteka.activities.models import Task, TaskStatus
from kartoteka.clients.models import Client, ClientCategory
from kartoteka.contacts.models import Contact, ContactRole
from kartoteka.deals import services as deal_services
from kartoteka.deals.defaults import STAGES
from kartoteka.deals.models import (
    Deal,
    DealContact,
    DealLine,
    DealStatus,
    LostReason,
    Pipeline,
    PriceProposal,
    StageChange,
    StageKind,
)
from kartoteka.users.models import Team, User

logger = logging.getLogger("bench")

DEALS_AT_SCALE_1 = 200_000  # DESIGN §9: about two per client, the clients scale with the same factor
DEFAULT_PIPELINE = "sales"
PROJECTS_PIPELINE = "bench-projects"
# Of the department 001 deals (about 10,000 at scale 1, 70% open): about 2,000 open ones on its board.
PROJECTS_SHARE = 0.29
CURRENCY = "RUB"

# Deals per client by category (inclusive ranges): means 6.5/4/2.5/1.5/1 over the clients generator's
# category mix give about two deals per client.
DEAL_COUNT = {"vip": (4, 9), "a": (2, 6), "b": (1, 4), "c": (0, 3), None: (0, 2)}
CLOSED_SHARE = 0.30
WON_SHARE = 0.40  # of the closed ones
# Where an open deal stands, and the furthest open stage a won or lost deal reached (stage codes).
OPEN_MIX = {"new": 30, "qualification": 22, "meeting": 18, "proposal": 16, "negotiation": 14}
WON_FROM = {"meeting": 10, "proposal": 30, "negotiation": 60}
LOST_FROM = {"new": 25, "qualification": 25, "meeting": 20, "proposal": 15, "negotiation": 15}
LOST_REASON_MIX = {
    "price": 30,
    "competitor": 22,
    "no-budget": 15,
    "no-need": 10,
    "no-response": 12,
    "terms": 6,
    "timing": 3,
    "other": 2,
}
SKIP_STAGE = 0.2  # a deal now and then jumps a stage
OPEN_AGE_DAYS = (1, 365)  # open deals were opened within the last year
CLOSED_AGE_DAYS = (14, 730)  # closed ones within two years, and took this many days at most
CYCLE_DAYS = (3, 180)
AMOUNT_SHARE = 0.8  # deals with an amount before any stage requires one
CLOSE_DATE_SHARE = 0.5
LINES_SHARE = 0.35
CONTACTS_SHARE = 0.6
PROPOSALS_SHARE = 0.5  # of the deals that reached negotiation
SOURCE_SHARE = 0.7  # deals that carry their client's source

TITLES = {
    "ru": ["Поставка: {product}", "{product} для нового филиала", "Годовой контракт: {product}", "Пилотный проект: {product}",
           "Расширение договора: {product}", "Тендер: {product}", "Замена оборудования: {product}"],
    "en": ["Supply of {product}", "{product} for a new branch", "Annual contract: {product}", "Pilot project: {product}",
           "Contract extension: {product}", "Tender: {product}", "Equipment replacement: {product}"],
}  # fmt: skip
UNITS = {"ru": ["шт", "компл", "м", "ч"], "en": ["pcs", "set", "m", "h"]}
LINE_ITEMS = {
    "ru": ["Основное оборудование", "Монтаж", "Пусконаладка", "Доставка", "Расходные материалы", "Обучение персонала",
           "Гарантийное обслуживание", "Запасные части"],
    "en": ["Main equipment", "Installation", "Commissioning", "Delivery", "Consumables", "Staff training",
           "Warranty service", "Spare parts"],
}  # fmt: skip


@dataclass(frozen=True)
class _Funnel:
    """One pipeline's ids: its stages by code, in funnel order."""

    pipeline_id: int
    stages: dict[str, int]

    @classmethod
    def load(cls, pipeline: Pipeline) -> _Funnel:
        return cls(pipeline.pk, dict(pipeline.stages.order_by("order", "id").values_list("code", "pk")))


@dataclass
class _NewDeal:
    values: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[dict[str, Any]] = field(default_factory=list)


OPEN_ORDER = list(OPEN_MIX)  # new … negotiation: the funnel's open stages in order


def projects_pipeline() -> Pipeline:
    """The supervisor persona's department funnel (created once, through the services, like a person would)."""
    existing = Pipeline.objects.filter(code=PROJECTS_PIPELINE).first()
    if existing is not None:
        return existing
    department = Team.objects.filter(name=department_name(1)).first()
    pipeline = deal_services.pipeline_save(
        actor=None,
        values={
            "code": PROJECTS_PIPELINE,
            "name_en": "Bench projects",
            "name_ru": "Бенч: проекты",
            "team": department,
            "order": 20,
        },
    )
    for order, (code, en, ru, uk, ro, kind, probability, colour, required) in enumerate(STAGES, start=1):
        deal_services.stage_save(
            actor=None,
            pipeline=pipeline,
            values={
                "code": code, "name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro, "kind": kind, "order": order * 10,
                "probability": probability, "colour": colour, "required_fields": required,
            },
        )  # fmt: skip
    return pipeline


@generator("deals", order=140)
def deals(*, scale: float, rng: random.Random) -> int:
    """About two deals per bench client with stage history, lines, contacts and proposals; a 2,000-deal team funnel."""
    marker = marker_user()
    rows = list(
        Client.objects.filter(created_by=marker)
        .order_by("pk")
        .values_list("pk", "responsible_id", "team_id", "category_id", "country", "source_id", "created_at")
    )
    if not rows:
        raise LookupError("The deals generator needs the bench clients: run the clients generator first.")
    stream = rng.getrandbits(64)  # drawn before any return, so the stream is the same whatever is done
    done = set(Deal.objects.filter(created_by=marker).order_by().values_list("client_id", flat=True).distinct())
    if len(done) >= len(rows):
        logger.info("deals: every bench client has its deals; nothing to add")
        return 0
    sales = _Funnel.load(Pipeline.objects.get(code=DEFAULT_PIPELINE))
    projects = _Funnel.load(projects_pipeline())
    department = Team.objects.filter(name=department_name(1)).values_list("path", flat=True).first()
    department_teams = set(Team.objects.filter(path__startswith=department).values_list("pk", flat=True)) if department else set()
    persona = User.objects.filter(email=PERSONAS[MANAGER].email).values_list("pk", flat=True).first()
    categories = dict(ClientCategory.objects.values_list("pk", "code"))
    reasons = dict(LostReason.objects.values_list("code", "pk"))
    reason_mix = Mix({code: weight for code, weight in LOST_REASON_MIX.items() if code in reasons})
    roles = list(ContactRole.objects.filter(is_active=True).order_by("order", "pk").values_list("pk", flat=True))
    contacts: dict[int, list[int]] = defaultdict(list)
    for client_id, contact_id in Contact.objects.filter(client__created_by=marker).order_by("pk").values_list("client_id", "pk"):
        if client_id not in done:
            contacts[client_id].append(contact_id)
    next_tasks: dict[int, list[int]] = defaultdict(list)
    open_tasks = Task.objects.filter(client__created_by=marker, status=TaskStatus.OPEN, deal__isnull=True)
    for client_id, task_id in open_tasks.order_by("due_at", "pk").values_list("client_id", "pk"):
        if client_id not in done:
            next_tasks[client_id].append(task_id)
    now = timezone.now()
    mixes = (Mix(OPEN_MIX), Mix(WON_FROM), Mix(LOST_FROM), reason_mix)
    deal_rows = FastInsert(Deal)
    children = {  # what a deal carries (its attribute) and the table it goes to
        "changes": FastInsert(StageChange, with_pk=False),
        "lines": FastInsert(DealLine, with_pk=False),
        "contacts": FastInsert(DealContact, with_pk=False),
        "proposals": FastInsert(PriceProposal, with_pk=False),
    }
    created = dict.fromkeys(("deals", *children, "tasks linked"), 0)

    def new_deals() -> Iterator[tuple[int, list[_NewDeal]]]:
        for number, row in enumerate(rows, start=1):
            client_id, responsible, team_id, category_id, country, source_id, client_created = row
            if client_id in done or responsible is None:
                continue
            own = random.Random(stream + number)  # client k draws from its own stream: the same deals every run
            category = categories.get(category_id)
            count = own.randint(*DEAL_COUNT.get(category, DEAL_COUNT[None]))
            if responsible == persona:
                count = max(count, 1)  # the manager persona always has deals to open and move
            language = "ru" if country == "RU" else "en"
            made = []
            for _index in range(count):
                in_projects = own.random() < PROJECTS_SHARE and team_id in department_teams
                made.append(
                    _deal(
                        own, now=now, funnel=projects if in_projects else sales, client_id=client_id, owner=responsible,
                        team=team_id, client_created=client_created, language=language, source=source_id,
                        creator=marker.pk, mixes=mixes, reasons=reasons, roles=roles, people=contacts.get(client_id, []),
                    )
                )  # fmt: skip
            yield client_id, made

    def insert(batch: list[tuple[int, list[_NewDeal]]]) -> None:
        made = [(client_id, deal) for client_id, client_deals in batch for deal in client_deals]
        ids = reserve_ids(Deal, len(made)) if made else []
        deal_rows([deal_rows.row(id=pk, **deal.values) for pk, (_client, deal) in zip(ids, made, strict=True)])
        for name, table in children.items():
            table([table.row(deal_id=pk, **row) for pk, (_c, deal) in zip(ids, made, strict=True) for row in getattr(deal, name)])
            created[name] += sum(len(getattr(deal, name)) for _c, deal in made)
        # An open deal's next step: its client's next open task not yet tied to a deal.
        links = [
            (pk, next_tasks[client_id].pop(0))
            for pk, (client_id, deal) in zip(ids, made, strict=True)
            if deal.values["status"] == DealStatus.OPEN and next_tasks.get(client_id)
        ]
        if links:
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {Task._meta.db_table} SET deal_id = %s WHERE id = %s", links)
        created["deals"] += len(made)
        created["tasks linked"] += len(links)

    insert_in_batches(new_deals(), insert=insert, label="deals (clients done)", total=len(rows) - len(done))
    if created["deals"]:
        analyze(Deal, StageChange, DealLine, DealContact, PriceProposal, Task)
    logger.info("deals: %s", ", ".join(f"{count:,} {name}" for name, count in created.items()))
    return sum(count for name, count in created.items() if name != "tasks linked")


def _deal(
    own: random.Random,
    *,
    now: datetime.datetime,
    funnel: _Funnel,
    client_id: int,
    owner: int,
    team: int | None,
    client_created: datetime.datetime,
    language: str,
    source: int | None,
    creator: int,
    mixes: tuple[Mix[str], Mix[str], Mix[str], Mix[str]],
    reasons: dict[str, int],
    roles: Sequence[int],
    people: Sequence[int],
) -> _NewDeal:
    """One deal, its path through the funnel and what it carries; every value drawn from the client's stream."""
    open_mix, won_from, lost_from, reason_mix = mixes
    closed = own.random() < CLOSED_SHARE
    won = own.random() < WON_SHARE
    outcome = None
    if closed:
        outcome = StageKind.WON if won else StageKind.LOST
        reached = (won_from if won else lost_from).draw(own)
        age = own.randint(*CLOSED_AGE_DAYS)
    else:
        reached = open_mix.draw(own)
        age = own.randint(*OPEN_AGE_DAYS)
    opened = max(now - datetime.timedelta(days=age, seconds=own.randrange(86_400)), client_created)
    opened = min(opened, now - datetime.timedelta(hours=1))
    # The stages it went through: the first always, the reached one always, the ones between mostly.
    last = OPEN_ORDER.index(reached)
    path = [code for index, code in enumerate(OPEN_ORDER[: last + 1]) if index in (0, last) or own.random() >= SKIP_STAGE]
    if outcome is not None:
        path.append(outcome)
    end = min(opened + datetime.timedelta(days=own.randint(*CYCLE_DAYS)), now) if closed else now
    span = max(1, int((end - opened).total_seconds()))
    moments = [opened, *sorted(opened + datetime.timedelta(seconds=own.randrange(span)) for _ in path[1:])]
    changes = []
    for position, code in enumerate(path):
        previous = path[position - 1] if position else None
        seconds = int((moments[position] - moments[position - 1]).total_seconds()) if position else None
        changes.append(
            {
                "pipeline_id": funnel.pipeline_id,
                "from_stage_id": funnel.stages[previous] if previous else None,
                "to_stage_id": funnel.stages[code],
                "changed_at": moments[position],
                "changed_by_id": owner,
                "seconds_in_stage": seconds,
            }
        )
    furthest = OPEN_ORDER.index(reached)
    needs_amount = furthest >= OPEN_ORDER.index("proposal") or outcome == StageKind.WON
    needs_close = furthest >= OPEN_ORDER.index("negotiation")
    product = own.choice(PRODUCTS[language])
    amount = Decimal(own.randint(20, 5000) * 1000) if needs_amount or own.random() < AMOUNT_SHARE else None
    lines: list[dict[str, Any]] = []
    if own.random() < LINES_SHARE:
        total = Decimal(0)
        for position in range(1, own.randint(1, 6) + 1):
            quantity = Decimal(own.randint(1, 50))
            price = Decimal(own.randint(5, 2000) * 100)
            discount = Decimal(own.choice((0, 0, 0, 5, 10)))
            total += (quantity * price * (100 - discount) / 100).quantize(Decimal("0.01"))  # as DealLine.total
            lines.append(
                {
                    "position": position,
                    "description": own.choice(LINE_ITEMS[language]),
                    "quantity": quantity,
                    "unit": own.choice(UNITS[language]),
                    "price": price,
                    "discount": discount,
                }
            )
        amount = total
    close_on = None
    if needs_close or own.random() < CLOSE_DATE_SHARE:
        base = end if closed else now
        close_on = timezone.localdate(base) + datetime.timedelta(days=own.randint(-10, 10) if closed else own.randint(7, 120))
    deal_contacts = []
    if people and own.random() < CONTACTS_SHARE:
        for contact in own.sample(list(people), k=min(len(people), own.randint(1, 2))):
            deal_contacts.append({"contact_id": contact, "role_id": own.choice(roles) if roles and own.random() < 0.7 else None})
    proposals = []
    if amount is not None and needs_close and own.random() < PROPOSALS_SHARE:
        offers = own.randint(1, 3)
        for step in range(offers):
            ours = step % 2 == 0
            factor = Decimal(100 + 5 * (offers - 1 - step)) / 100 if ours else Decimal(own.randint(70, 95)) / 100
            on = moments[-1] - datetime.timedelta(days=3 * (offers - step))
            proposals.append(
                {
                    "proposed_on": timezone.localdate(max(on, opened)),
                    "amount": (amount * factor).quantize(Decimal("0.01")),
                    "currency": CURRENCY,
                    "by_client": not ours,
                    "note": "",
                    "created_by_id": owner,
                    "created_at": max(on, opened),
                }
            )
    status = DealStatus.OPEN if outcome is None else outcome
    values = {
        "title": _capitalised(own.choice(TITLES[language]).format(product=product)),
        "client_id": client_id,
        "pipeline_id": funnel.pipeline_id,
        "stage_id": funnel.stages[path[-1]],
        "stage_entered_at": moments[-1],
        "status": status,
        "amount": amount,
        "currency": CURRENCY,
        "expected_close_on": close_on,
        "source_id": source if source is not None and own.random() < SOURCE_SHARE else None,
        "owner_id": owner,
        "team_id": team,
        "closed_at": moments[-1] if closed else None,
        "lost_reason_id": reasons.get(reason_mix.draw(own)) if outcome == StageKind.LOST else None,
        "created_by_id": creator,
        "created_at": opened,
        "updated_at": moments[-1],
    }
    return _NewDeal(values=values, changes=changes, lines=lines, contacts=deal_contacts, proposals=proposals)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
