"""Activities and tasks of the bench clients: 1,000,000 activities and 200,000 tasks at scale 1 (DESIGN §9).

Like the clients generator, rows are built in memory and inserted in bulk (``COPY`` on PostgreSQL,
``executemany`` on SQLite), bypassing the services on purpose: a service call per row would take
hours and publish a million events nobody measures. What the services would derive is derived here:
``productive`` from the result, the fulfilled task on the activity a completed contact task logged
(``Activity.task``), and ``Client.last_contact_at``, set for every bench client at the end in one
``UPDATE … FROM`` an aggregate.

Each bench client gets about ten activities over the last two years (more for VIP and A clients,
fewer for C), written by its responsible manager, with results from the reference list, and about
two tasks: most done or cancelled, about one in ten open — due in the coming weeks, today, a day or
two overdue, or a tail (a promised contact left open more than ``TAILS_AFTER_DAYS``). The manager
persona (about 300 clients at scale 1, see ``clients.py``) gets a realistic day on top: a dozen or
so calls and meetings today, a few overdue contacts and tails.

Bench activities and tasks are the ones on bench clients. A client is done once it has an activity
(every client draws at least one); a run skips the done clients without drawing for them, so a
larger scale tops up the new clients only. Each client draws from its own random stream, so the
same seed gives the same history (relative to the day it ran).
"""

from __future__ import annotations

import datetime
import itertools
import logging
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from bench import generator
from bench.data import insert_in_batches
from bench.generators.clients import FastInsert, analyze, marker_user, reserve_ids
from bench.personas import MANAGER, PERSONAS
from kartoteka.activities.demo import (
    DURATION,
    KIND_MIX,
    PRODUCTIVE_BOOST,
    PRODUCTS,
    RESULTS_BY_KIND,
    SUBJECTS,
    SUMMARIES,
    TASK_KIND,
    TASK_TITLES,
)
from kartoteka.activities.models import (
    CONTACT_KINDS,
    DEFAULT_CHANNEL,
    Activity,
    ActivityKind,
    ActivityResult,
    Direction,
    Initiator,
    Task,
    TaskKind,
    TaskPriority,
    TaskStatus,
)
from kartoteka.clients.models import Client, ClientCategory
from kartoteka.contacts.models import Contact
from kartoteka.users.models import User

logger = logging.getLogger("bench")

ACTIVITIES_AT_SCALE_1 = 1_000_000  # DESIGN §9: ten per client, the clients scale with the same factor
TASKS_AT_SCALE_1 = 200_000
HISTORY_DAYS = 730  # two years

# Activities and tasks per client by category (inclusive ranges): means 40/20/12.5/7/4 and 6/4/2.5/1.5/1
# over the clients generator's category mix give about 10 activities and 2 tasks per client.
ACTIVITY_COUNT = {"vip": (25, 55), "a": (12, 28), "b": (7, 18), "c": (3, 11), None: (1, 7)}
TASK_COUNT = {"vip": (3, 9), "a": (2, 6), "b": (1, 4), "c": (0, 3), None: (0, 2)}
CLOSED_SHARE = 0.9  # of tasks; the rest are open
CANCELLED_SHARE = 0.06  # of the closed ones
CONTACT_SHARE = 0.65  # activities that name a contact person
# Where an open task's deadline falls: (weight, first day, last day) relative to today.
OPEN_DUE = [(50, 1, 30), (15, 0, 0), (15, -3, -1), (20, -60, -4)]
# The manager persona's open next contacts: most clients have one; (weight, first day, last day).
PERSONA_OPEN_SHARE = 0.6
PERSONA_DUE = [(70, 1, 21), (8, 0, 0), (6, -2, -1), (5, -12, -4), (11, 22, 45)]
TASK_KIND_MIX: dict[str, float] = {
    TaskKind.CALL: 55, TaskKind.EMAIL: 14, TaskKind.MEETING: 12, TaskKind.VISIT: 4, TaskKind.DEMO: 3, TaskKind.MESSAGE: 5,
    TaskKind.TODO: 7,
}  # fmt: skip
ACTIVITY_FOR_TASK = {task_kind: activity_kind for activity_kind, task_kind in TASK_KIND.items()}
TODO_TITLES = ["Подготовить сверку взаиморасчётов", "Обновить реквизиты в договоре", "Согласовать скидку с руководителем"]
IN_PERSON = {ActivityKind.MEETING, ActivityKind.DEMO, ActivityKind.VISIT}

ActivityRow = tuple[Any, ...]


class Weighted:
    """A weighted choice with cumulative weights computed once (a million draws)."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def draw(self, rng: random.Random) -> Any:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


@dataclass
class _ClientWork:
    client_id: int
    tasks: list[dict[str, Any]] = field(default_factory=list)
    # Activities; an activity that fulfilled a task names it by its index in ``tasks``.
    activities: list[tuple[dict[str, Any], int | None]] = field(default_factory=list)


@dataclass(frozen=True)
class _References:
    results: dict[str, tuple[int, bool]]  # code → (id, productive)
    result_mix: dict[tuple[str, str | None], Weighted]  # (kind, category) → result codes

    @classmethod
    def load(cls) -> _References:
        results = {
            code: (pk, productive) for code, pk, productive in ActivityResult.objects.values_list("code", "pk", "productive")
        }
        mixes = {}
        for kind, weights in RESULTS_BY_KIND.items():
            for category, boost in PRODUCTIVE_BOOST.items():
                boosted = {
                    code: weight * (boost if results.get(code, (0, False))[1] else 1.0)
                    for code, weight in weights.items()
                    if code in results
                }
                if boosted:
                    mixes[(kind, category)] = Weighted(boosted)
        return cls(results=results, result_mix=mixes)


@generator("activities", order=130)
def activities(*, scale: float, rng: random.Random) -> int:
    """Two years of activities (about 10 per client) and tasks (about 2, one in ten open) on the bench clients."""
    marker = marker_user()
    rows = list(
        Client.objects.filter(created_by=marker)
        .order_by("pk")
        .values_list("pk", "responsible_id", "category_id", "country", "created_at")
    )
    if not rows:
        raise LookupError("The activities generator needs the bench clients: run the clients generator first.")
    done = set(Activity.objects.filter(client__created_by=marker).order_by().values_list("client_id", flat=True).distinct())
    stream = rng.getrandbits(64)  # drawn before any return, so the stream is the same whatever is done
    if len(done) >= len(rows):
        logger.info("activities: every bench client has its history; nothing to add")
        return 0
    categories = dict(ClientCategory.objects.values_list("pk", "code"))
    persona = User.objects.filter(email=PERSONAS[MANAGER].email).values_list("pk", flat=True).first()
    contacts: dict[int, list[int]] = defaultdict(list)
    for client_id, contact_id in Contact.objects.filter(client__created_by=marker).order_by("pk").values_list("client_id", "pk"):
        if client_id not in done:
            contacts[client_id].append(contact_id)
    references = _References.load()
    now = timezone.now()
    today = timezone.localdate(now)
    kinds = Weighted(KIND_MIX)
    task_kinds = Weighted(TASK_KIND_MIX)
    open_due, persona_due = Weighted(_ranges(OPEN_DUE)), Weighted(_ranges(PERSONA_DUE))
    task_rows, activity_rows = FastInsert(Task), FastInsert(Activity, with_pk=False)
    created = {"activities": 0, "tasks": 0}

    def moment(day: datetime.date, own: random.Random) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(own.randint(9, 17), own.choice((0, 15, 30, 45)))))

    def activity(
        own: random.Random, *, kind: str, at: datetime.datetime, author: int | None, category: str | None, language: str,
        contact: int | None, product: str,
    ) -> dict[str, Any]:  # fmt: skip
        values: dict[str, Any] = {
            "kind": kind,
            "occurred_at": at,
            "author_id": author,
            "contact_id": contact,
            "channel": DEFAULT_CHANNEL.get(kind, ""),  # type: ignore[call-overload]
            "created_at": at,
            "updated_at": at,
        }
        code = None
        mix = references.result_mix.get((kind, category))
        if mix is not None:
            code = mix.draw(own)
            values["result_id"], values["productive"] = references.results[code]
        values["summary"] = own.choice(SUMMARIES[language][code])
        values["subject"] = own.choice(SUBJECTS[language][kind]).format(product=product)
        if kind in (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE):
            inbound = own.random() < 0.25
            values["direction"] = Direction.INBOUND if inbound else Direction.OUTBOUND
            values["initiator"] = Initiator.CLIENT if inbound else Initiator.US
        if kind in DURATION:
            values["duration_minutes"] = own.randint(*DURATION[kind])
        if kind in IN_PERSON:
            values["product"] = product
        return values

    def task(
        own: random.Random, *, client_id: int, assignee: int, category: str | None, language: str, contact: int | None,
        product: str, due: datetime.datetime, status: str,
    ) -> dict[str, Any]:  # fmt: skip
        kind = task_kinds.draw(own)
        title = own.choice(TODO_TITLES) if kind == TaskKind.TODO else own.choice(TASK_TITLES[language][kind])
        created = due - datetime.timedelta(days=own.randint(1, 14), hours=own.randint(0, 6))
        values: dict[str, Any] = {
            "title": title.format(product=product),
            "kind": kind,
            "due_at": due,
            "duration_minutes": 60 if kind in (TaskKind.MEETING, TaskKind.VISIT, TaskKind.DEMO) else None,
            "assignee_id": assignee,
            "created_by_id": assignee,
            "priority": TaskPriority.HIGH if category == "vip" else TaskPriority.NORMAL,
            "client_id": client_id,
            "contact_id": contact,
            "status": status,
            "created_at": created,
            "updated_at": created,
        }
        if status != TaskStatus.OPEN:
            completed = min(due + datetime.timedelta(minutes=own.randint(-120, 24 * 60)), now)
            values.update(completed_at=completed, completed_by_id=assignee, updated_at=completed)
        elif due < now:
            values["overdue_notified_at"] = min(due + datetime.timedelta(minutes=5), now)  # what the overdue job did
        return values

    def new_work() -> Iterator[_ClientWork]:
        for number, (client_id, responsible, category_id, country, client_created) in enumerate(rows, start=1):
            if client_id in done or responsible is None:
                continue
            own = random.Random(stream + number)  # client k draws from its own stream: same history every run
            category = categories.get(category_id)
            language = "ru" if country == "RU" else "en"
            product = own.choice(PRODUCTS[language])
            people = contacts.get(client_id, [])
            start = max(now - datetime.timedelta(days=HISTORY_DAYS), client_created)
            span_days = max(1, (now - start).days)
            work = _ClientWork(client_id)

            # Tasks first: a completed contact task logs the activity that fulfilled it.
            task_count = own.randint(*TASK_COUNT.get(category, TASK_COUNT[None]))
            is_persona = responsible == persona
            for index in range(task_count):
                is_open = own.random() >= CLOSED_SHARE and not is_persona
                if is_open:
                    offset = open_due.draw(own)(own)
                    due = moment(today + datetime.timedelta(days=offset), own)
                    status = TaskStatus.OPEN
                else:
                    due = moment(_past_day(own, start, span_days), own)
                    due = min(due, now - datetime.timedelta(hours=1))
                    status = TaskStatus.CANCELLED if own.random() < CANCELLED_SHARE else TaskStatus.DONE
                values = task(
                    own, client_id=client_id, assignee=responsible, category=category, language=language,
                    contact=_contact(own, people), product=product, due=due, status=status,
                )  # fmt: skip
                work.tasks.append(values)
                if status == TaskStatus.DONE and values["kind"] in ACTIVITY_FOR_TASK:
                    kind = ACTIVITY_FOR_TASK[values["kind"]]
                    logged = activity(
                        own, kind=kind, at=min(values["completed_at"], now), author=responsible, category=category,
                        language=language, contact=values["contact_id"], product=product,
                    )  # fmt: skip
                    logged["subject"] = values["title"]
                    work.activities.append((logged, index))
            if is_persona and own.random() < PERSONA_OPEN_SHARE:
                offset = persona_due.draw(own)(own)
                due = moment(today + datetime.timedelta(days=offset), own)
                work.tasks.append(
                    task(
                        own,
                        client_id=client_id,
                        assignee=responsible,
                        category=category,
                        language=language,
                        contact=_contact(own, people),
                        product=product,
                        due=due,
                        status=TaskStatus.OPEN,
                    )
                )
            activity_count = max(1, own.randint(*ACTIVITY_COUNT.get(category, ACTIVITY_COUNT[None])) - len(work.activities))
            for _ in range(activity_count):
                at = min(moment(_past_day(own, start, span_days), own), now - datetime.timedelta(minutes=own.randint(5, 600)))
                work.activities.append(
                    (
                        activity(
                            own,
                            kind=kinds.draw(own),
                            at=at,
                            author=responsible,
                            category=category,
                            language=language,
                            contact=_contact(own, people),
                            product=product,
                        ),
                        None,
                    )
                )
            yield work

    def insert(batch: list[_ClientWork]) -> None:
        tasks = [values for work in batch for values in work.tasks]
        ids = reserve_ids(Task, len(tasks)) if tasks else []
        task_rows([task_rows.row(id=pk, **values) for pk, values in zip(ids, tasks, strict=True)])
        position = 0
        rows_out: list[ActivityRow] = []
        for work in batch:
            for values, index in work.activities:
                task_id = ids[position + index] if index is not None else None
                rows_out.append(activity_rows.row(client_id=work.client_id, task_id=task_id, **values))
            position += len(work.tasks)
        activity_rows(rows_out)
        created["tasks"] += len(tasks)
        created["activities"] += len(rows_out)

    # About a hundred activities and tasks per 10 clients: a batch of clients is about 24,000 rows.
    insert_in_batches(new_work(), insert=insert, label="activities (clients done)", total=len(rows) - len(done))
    if created["activities"] or created["tasks"]:
        _set_last_contact(marker.pk)
        analyze(Activity, Task, Client)
    logger.info("activities: %s activities, %s tasks", f"{created['activities']:,}", f"{created['tasks']:,}")
    return created["activities"] + created["tasks"]


def _contact(own: random.Random, people: list[int]) -> int | None:
    return own.choice(people) if people and own.random() < CONTACT_SHARE else None


def _past_day(own: random.Random, start: datetime.datetime, span_days: int) -> datetime.date:
    return timezone.localdate(start) + datetime.timedelta(days=own.randrange(span_days))


def _ranges(spec: list[tuple[int, int, int]]) -> dict[Any, float]:
    """Weighted day ranges as choices: each choice draws a day offset within its range."""

    def offset(low: int, high: int) -> Any:
        return lambda own: own.randint(low, high)

    return {offset(low, high): weight for weight, low, high in spec}


def _set_last_contact(marker_id: int) -> None:
    """``Client.last_contact_at`` of every bench client from its newest contact, in one statement (what the service keeps)."""
    kinds = sorted(CONTACT_KINDS)
    placeholders = ", ".join(["%s"] * len(kinds))
    client, activity = Client._meta.db_table, Activity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {client} SET last_contact_at = latest.occurred_at
            FROM (
                SELECT a.client_id, MAX(a.occurred_at) AS occurred_at
                FROM {activity} a JOIN {client} c ON c.id = a.client_id
                WHERE c.created_by_id = %s AND a.kind IN ({placeholders})
                GROUP BY a.client_id
            ) AS latest
            WHERE {client}.id = latest.client_id
              AND ({client}.last_contact_at IS NULL OR {client}.last_contact_at <> latest.occurred_at)
            """,  # table names from the models, values as parameters
            [marker_id, *kinds],
        )
