"""Demo history: about four months of calls, meetings and letters with the demo clients, and the work planned next.

``demo_data`` calls :func:`demo_activities` after the demo clients exist. Everything is written through
the services (``activity_log``, ``task_create``, ``task_complete``, ``client_update``,
``contact_update``), acting as the person who did it, so the history, the derived fields
(``Client.last_contact_at``, ``responsible_since``) and the events are what real input would make.

The past is *replayed*: while a past step runs, the services' clock (``timezone.now``) reads the moment
it happened, so a call planned on Monday and made on Wednesday is created on Monday and completed on
Wednesday, and a weekly series spawns its occurrences week by week. Card changes (contracts, birthdays,
a handover) are made at the real time, after the replay, so a card's change history stays in order.

Every date is relative to "now", so the demo looks alive on any day: today's calls and meetings of the
demo managers, tomorrow's visit, a few tasks overdue by a day or two, a few tails (promised contacts
left open 4–10 days), a weekly call to a key client, contracts ending within 30 days, birthdays this
week and two clients just handed to the demo manager.

Idempotent: a demo client that already has an activity or a task is left alone, so a second run
creates nothing. The plan comes from fixed seeds, so every run plans the same history.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from kartoteka.activities import services
from kartoteka.activities.models import (
    MEETING_TASK_KINDS,
    Activity,
    ActivityKind,
    ActivityResult,
    Channel,
    Direction,
    Initiator,
    Recurrence,
    Task,
    TaskKind,
    TaskPriority,
)
from kartoteka.clients import services as client_services
from kartoteka.clients.models import Address, Client
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import Contact
from kartoteka.users.models import User

SEED = 2026
DEMO_TAG = "демо"  # the demo clients' tag (kartoteka/clients/management/commands/demo_clients.py)
HISTORY_DAYS = 120  # about four months back

MANAGER = "manager@example.com"
MANAGER_2 = "manager2@example.com"
SUPERVISOR = "supervisor@example.com"
HEAD = "head@example.com"

# What each demo person finds planned when they sign in. A slot is (hour, minute, task kind); an hour of
# None is an all-day task. The demo manager gets the fullest day; manager 2 goes on holiday in three days
# (demo_data), so nothing of theirs falls in those two weeks.
TODAY = {
    MANAGER: [(9, 30, TaskKind.CALL), (11, 0, TaskKind.MEETING), (13, 30, TaskKind.CALL), (15, 0, TaskKind.DEMO),
              (16, 30, TaskKind.CALL)],
    MANAGER_2: [(10, 30, TaskKind.CALL), (12, 0, TaskKind.MEETING), (15, 30, TaskKind.CALL)],
    SUPERVISOR: [(12, 30, TaskKind.MEETING), (17, 0, TaskKind.CALL)],
    HEAD: [(14, 0, TaskKind.MEETING)],
}  # fmt: skip
TOMORROW = {
    MANAGER: [(10, 0, TaskKind.VISIT), (12, 0, TaskKind.CALL), (14, 30, TaskKind.MEETING), (None, 0, TaskKind.EMAIL)],
    MANAGER_2: [(11, 0, TaskKind.CALL), (None, 0, TaskKind.EMAIL)],
}
OVERDUE_DAYS = {MANAGER: [1, 1, 2], MANAGER_2: [1, 2], SUPERVISOR: [2]}  # promised yesterday or the day before
TAIL_DAYS = {MANAGER: [4, 6, 9], MANAGER_2: [5, 8], SUPERVISOR: [7], HEAD: [10]}  # open 4–10 days past the deadline
CONTRACTS_ENDING = {MANAGER: [6, 17, 27], MANAGER_2: [12], HEAD: [23]}  # days left
BIRTHDAYS = {MANAGER: [0, 2], MANAGER_2: [4]}  # days from today
HANDED_OVER = 2  # supervisor's clients just given to the demo manager
WEEKLY_SERIES_WEEKS = 6
VACATION = (3, 16)  # manager 2's holiday, days from today (demo_data)
CONTRACT_SHARE = 0.3  # of the other active clients: a running contract far from its end

EVENT_COUNT = {"vip": (12, 18), "a": (8, 13), "b": (5, 9), "c": (2, 6), None: (1, 4)}
PRODUCTIVE_BOOST = {"vip": 2.2, "a": 1.8, "b": 1.1, "c": 0.7, None: 0.6}  # productive results, relative weight
PLANNED_SHARE = {"vip": 0.6, "a": 0.5, "b": 0.4, "c": 0.3, None: 0.2}  # contacts that had been planned as a task
NEXT_STEP_SHARE = {"vip": 0.9, "a": 0.8, "b": 0.6, "c": 0.35, None: 0.25}  # clients with a planned next contact

KIND_MIX: dict[str, float] = {
    ActivityKind.CALL: 48, ActivityKind.EMAIL: 20, ActivityKind.MESSAGE: 9, ActivityKind.MEETING: 9,
    ActivityKind.DEMO: 3, ActivityKind.VISIT: 4, ActivityKind.LETTER: 2, ActivityKind.NOTE: 5,
}  # fmt: skip
RESULTS_BY_KIND: dict[str, dict[str, float]] = {
    ActivityKind.CALL: {"agreed": 10, "meeting-set": 6, "offer-requested": 8, "order": 4, "informed": 10, "call-back": 12,
                        "no-answer": 12, "wrong-person": 3, "postponed": 6, "refused": 3},
    ActivityKind.EMAIL: {"offer-requested": 8, "informed": 14, "agreed": 6, "order": 4, "no-answer": 4, "postponed": 3,
                         "refused": 1},
    ActivityKind.MESSAGE: {"informed": 10, "agreed": 6, "call-back": 5, "order": 2},
    ActivityKind.LETTER: {"informed": 1},
    ActivityKind.MEETING: {"agreed": 10, "offer-requested": 6, "order": 4, "meeting-set": 3, "postponed": 4, "refused": 2},
    ActivityKind.DEMO: {"agreed": 6, "offer-requested": 8, "order": 2, "postponed": 3, "refused": 1},
    ActivityKind.VISIT: {"agreed": 6, "order": 4, "informed": 4, "postponed": 2},
}  # fmt: skip
PRODUCTIVE_CODES = {"agreed", "meeting-set", "offer-requested", "order", "informed"}
TASK_KIND: dict[str, str] = {
    ActivityKind.CALL: TaskKind.CALL, ActivityKind.EMAIL: TaskKind.EMAIL, ActivityKind.MESSAGE: TaskKind.MESSAGE,
    ActivityKind.MEETING: TaskKind.MEETING, ActivityKind.DEMO: TaskKind.DEMO, ActivityKind.VISIT: TaskKind.VISIT,
    ActivityKind.LETTER: TaskKind.LETTER,
}  # fmt: skip
ACTIVITY_KIND: dict[str, str] = {task_kind: activity_kind for activity_kind, task_kind in TASK_KIND.items()}
IN_PERSON = {ActivityKind.MEETING, ActivityKind.DEMO, ActivityKind.VISIT}
DURATION: dict[str, tuple[int, int]] = {
    ActivityKind.CALL: (2, 18), ActivityKind.MEETING: (40, 120), ActivityKind.DEMO: (45, 90), ActivityKind.VISIT: (60, 180),
}  # fmt: skip

# Handwritten phrases, Russian for Russian clients and English for the others.
PRODUCTS = {
    "ru": ["промышленные компрессоры", "запчасти и расходники", "сервисный контракт", "системы вентиляции",
           "складское оборудование", "монтаж под ключ"],
    "en": ["industrial compressors", "spare parts", "a service contract", "ventilation systems", "warehouse equipment",
           "turnkey installation"],
}  # fmt: skip
SUMMARIES: dict[str, dict[str | None, list[str]]] = {
    "ru": {
        "agreed": ["Обсудили условия поставки ({product}). Договорились, что пришлём проект спецификации до конца недели.",
                   "Клиент готов двигаться дальше: согласовали график поставок и порядок оплаты.",
                   "Согласовали тестовую партию ({product}), ждём подтверждения от финансового директора."],
        "meeting-set": ["Назначили встречу в офисе клиента, будут главный инженер и снабжение.",
                        "Договорились встретиться и показать образцы ({product}).",
                        "Клиент предложил встречу на следующей неделе — обсудить годовой объём."],
        "offer-requested": ["Попросили коммерческое предложение ({product}) с доставкой до склада.",
                            "Нужно КП в двух вариантах оплаты: предоплата и отсрочка 30 дней.",
                            "Запросили расчёт на годовой объём, сравнивают с двумя поставщиками."],
        "order": ["Подтвердили заказ ({product}), счёт выставлен, оплата в течение 5 дней.",
                  "Клиент разместил повторный заказ, объём на 20% больше прошлого.",
                  "Заказ оформлен, отгрузка со склада в четверг."],
        "informed": ["Рассказали о новом прайс-листе и условиях на квартал.",
                     "Сообщили сроки поставки и об изменении цен с первого числа.",
                     "Отправили информацию о новинках: {product}."],
        "call-back": ["Просили перезвонить после совещания, решение ещё не принято.",
                      "Собеседник был занят, попросил набрать завтра после обеда.",
                      "Ответственный в командировке, просили перезвонить через неделю."],
        "no-answer": ["Не дозвонились, оставили сообщение секретарю.",
                      "Весь день занято, попробуем позже.",
                      "Телефон не отвечает, продублировали письмом."],
        "wrong-person": ["Попали в бухгалтерию, закупками занимается другой человек — узнали его контакт.",
                         "Вопрос решает коммерческий директор, дали его добавочный."],
        "postponed": ["Закупку перенесли на следующий квартал, бюджет ещё не утверждён.",
                      "Решение отложили до конца инвентаризации.",
                      "Просят вернуться к вопросу после отпуска руководителя."],
        "refused": ["Отказались: остаются с текущим поставщиком из-за цены.",
                    "Сейчас не актуально, закупки заморожены до конца года."],
        None: ["Клиент сменил юридический адрес — проверить реквизиты в договоре.",
               "Решения принимает собственник, через снабжение вопрос не решить.",
               "Платят с задержкой 5–7 дней, при отгрузке учитывать."],
    },
    "en": {
        "agreed": ["Went through the delivery terms ({product}). We send a draft specification by the end of the week.",
                   "Ready to move on: delivery schedule and payment terms agreed.",
                   "Agreed on a trial batch ({product}); waiting for the CFO to confirm."],
        "meeting-set": ["Meeting set at the client's office with the chief engineer and procurement.",
                        "Agreed to meet and show samples ({product}).",
                        "They suggested meeting next week to discuss the annual volume."],
        "offer-requested": ["Asked for a quote ({product}) including delivery to their warehouse.",
                            "Need a quote with two payment options: prepayment and 30 days.",
                            "Asked for pricing on the annual volume; comparing two suppliers."],
        "order": ["Order confirmed ({product}); invoice sent, payment within 5 days.",
                  "Repeat order, 20% larger than the last one.",
                  "Order placed; ships from the warehouse on Thursday."],
        "informed": ["Told them about the new price list and this quarter's terms.",
                     "Shared delivery times and the price change from the first of the month.",
                     "Sent news about {product}."],
        "call-back": ["Asked us to call back after their meeting; no decision yet.",
                      "Busy right now, asked to call tomorrow afternoon.",
                      "The buyer is travelling; call again next week."],
        "no-answer": ["No answer; left a message with the receptionist.",
                      "Line busy all day, will try later.",
                      "No one picks up; followed up by email."],
        "wrong-person": ["Reached accounting; purchasing is someone else, got their number.",
                         "The commercial director decides; got the extension."],
        "postponed": ["Purchase moved to next quarter, budget not approved yet.",
                      "Decision postponed until their stock-take is over.",
                      "Come back to it after the director's holiday."],
        "refused": ["Declined: staying with their current supplier on price.",
                    "Not now, purchases frozen until the end of the year."],
        None: ["Moved their registered office: check the contract details.",
               "The owner decides everything; procurement cannot sign off alone.",
               "Pays 5–7 days late; keep in mind when shipping."],
    },
}  # fmt: skip
SUBJECTS: dict[str, dict[str, list[str]]] = {
    "ru": {
        ActivityKind.CALL: ["Звонок по текущим поставкам", "Уточнение потребности", "Звонок по оплате", "Обсуждение КП"],
        ActivityKind.EMAIL: ["КП: {product}", "Прайс-лист и условия", "Ответ на запрос"],
        ActivityKind.MESSAGE: ["Статус доставки", "Уточнение по счёту"],
        ActivityKind.LETTER: ["Оригиналы документов"],
        ActivityKind.MEETING: ["Встреча: условия договора", "Встреча с закупками", "Переговоры о годовом объёме"],
        ActivityKind.DEMO: ["Презентация: {product}"],
        ActivityKind.VISIT: ["Визит на склад клиента", "Выезд на объект"],
        ActivityKind.NOTE: ["Заметка для себя"],
    },
    "en": {
        ActivityKind.CALL: ["Call about current deliveries", "Needs check", "Payment call", "Quote follow-up"],
        ActivityKind.EMAIL: ["Quote: {product}", "Price list and terms", "Reply to their enquiry"],
        ActivityKind.MESSAGE: ["Delivery status", "Invoice question"],
        ActivityKind.LETTER: ["Original documents"],
        ActivityKind.MEETING: ["Meeting: contract terms", "Meeting with procurement", "Annual volume talks"],
        ActivityKind.DEMO: ["Presentation: {product}"],
        ActivityKind.VISIT: ["Site visit", "Warehouse visit"],
        ActivityKind.NOTE: ["Note to self"],
    },
}
TASK_TITLES: dict[str, dict[str, list[str]]] = {
    "ru": {
        TaskKind.CALL: ["Перезвонить: решение по КП", "Уточнить объёмы на следующий квартал", "Напомнить об оплате счёта",
                        "Позвонить: обратная связь по поставке"],
        TaskKind.EMAIL: ["Отправить КП: {product}", "Выслать прайс-лист и условия"],
        TaskKind.MESSAGE: ["Написать: статус доставки"],
        TaskKind.LETTER: ["Отправить оригиналы документов"],
        TaskKind.MEETING: ["Встреча: обсудить договор", "Встреча с закупками: годовой объём"],
        TaskKind.DEMO: ["Презентация: {product}"],
        TaskKind.VISIT: ["Визит на объект клиента"],
    },
    "en": {
        TaskKind.CALL: ["Call back: decision on the quote", "Check next quarter's volumes", "Remind about the invoice",
                        "Call: feedback on the delivery"],
        TaskKind.EMAIL: ["Send the quote: {product}", "Send the price list and terms"],
        TaskKind.MESSAGE: ["Message: delivery status"],
        TaskKind.LETTER: ["Post the original documents"],
        TaskKind.MEETING: ["Meeting: contract terms", "Meeting with procurement: annual volume"],
        TaskKind.DEMO: ["Presentation: {product}"],
        TaskKind.VISIT: ["Visit the client's site"],
    },
}  # fmt: skip
OUR_OFFICE = {"ru": "Наш офис, переговорная «Волга»", "en": "Our office, meeting room 2"}
VIDEO = {"ru": "Видеозвонок (Яндекс Телемост)", "en": "Video call (Zoom)"}
CLIENT_OFFICE = {"ru": "Офис клиента", "en": "Client's office"}
WEEKLY = {
    "ru": ("Еженедельный созвон: план отгрузок", ["Сверили план отгрузок на неделю, изменений нет.",
                                                  "Добавили позицию в заказ на следующую неделю.",
                                                  "Обсудили остатки на складе клиента, всё по плану."]),
    "en": ("Weekly call: shipment plan", ["Checked the week's shipment plan, no changes.",
                                         "Added a line to next week's order.", "Went through their stock, all on track."]),
}  # fmt: skip
HANDOVER = {
    "reason": "Передан менеджеру группы: клиент требует регулярной работы",
    "title": "Познакомиться с клиентом: представиться как новый менеджер",
    "description": "Клиент раньше был у меня, история контактов в карточке. Начни с главного инженера.",
}
CONTRACT_YEARS_LEAP = (1972, 1976, 1980, 1984, 1988)  # leap years, so a birthday on 29 February is valid too


@dataclass(frozen=True)
class Summary:
    clients: int
    activities: int
    tasks: int

    def __str__(self) -> str:
        return f"Demo history ready ({self.activities} new activities and {self.tasks} new tasks on {self.clients} clients)."


@dataclass
class Ending:
    """The open task a client's history ends with (or none)."""

    kind: str
    due: datetime.datetime
    all_day: bool = False
    priority: int = TaskPriority.NORMAL


@dataclass
class Role:
    """What a demo client is for in the demo, beyond its ordinary history."""

    ending: Ending | None = None
    weekly: bool = False
    handed_over: bool = False
    contract_days: int | None = None
    birthday_in: int | None = None


@dataclass
class Event:
    at: datetime.datetime
    kind: str
    planned: bool = False  # fulfils the task the previous contact planned
    plan_next: bool = False  # the next event was planned as a task when this one was logged
    values: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def _replayed_at(moment: datetime.datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: their timestamps and checks read this clock."""
    real_now = timezone.now
    timezone.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real_now  # type: ignore[assignment]


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _local(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _working_day(day: datetime.date, *, forward: bool = True) -> datetime.date:
    step = datetime.timedelta(days=1 if forward else -1)
    while day.weekday() >= 5:
        day += step
    return day


class _World:
    """The demo people, clients, contacts, addresses and results, loaded once."""

    def __init__(self) -> None:
        self.people = {user.email: user for user in User.objects.filter(email__in=[MANAGER, MANAGER_2, SUPERVISOR, HEAD])}
        self.clients = list(
            Client.objects.filter(tags__name=DEMO_TAG)
            .select_related("responsible", "category", "client_type")
            .order_by("name", "pk")
        )
        ids = [client.pk for client in self.clients]
        self.contacts: dict[int, list[Contact]] = defaultdict(list)
        for contact in Contact.objects.filter(client_id__in=ids):
            self.contacts[contact.client_id].append(contact)
        self.addresses: dict[int, str] = {}
        for address in Address.objects.filter(client_id__in=ids).order_by("kind", "pk"):
            self.addresses.setdefault(address.client_id, address.text)
        self.results = {result.code: result for result in ActivityResult.objects.filter(is_active=True)}
        self.done = set(Activity.objects.filter(client_id__in=ids).values_list("client_id", flat=True).distinct())
        self.done |= set(Task.objects.filter(client_id__in=ids).values_list("client_id", flat=True).distinct())


def demo_activities(*, now: datetime.datetime | None = None) -> Summary:
    """Give the demo clients their history and planned work; clients that have some already are skipped."""
    now = now or timezone.now()
    world = _World()
    if len(world.people) < 4 or not world.clients:
        return Summary(0, 0, 0)
    roles = _assign_roles(world, now)
    activities_before = Activity.objects.count()
    tasks_before = Task.objects.count()
    todo = [client for client in world.clients if client.pk not in world.done]
    with transaction.atomic():
        for client in todo:
            _Replay(world, client, roles.get(client.pk, Role()), now).run()
    return Summary(len(todo), Activity.objects.count() - activities_before, Task.objects.count() - tasks_before)


def _assign_roles(world: _World, now: datetime.datetime) -> dict[int, Role]:
    """Which client carries today's meeting, a tail, the weekly call…: drawn from a fixed seed, per person."""
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
    today = timezone.localdate(now)
    by_owner: dict[str, list[Client]] = defaultdict(list)
    for client in world.clients:
        if client.responsible is not None:
            by_owner[client.responsible.email].append(client)
    roles: dict[int, Role] = {}

    def category(client: Client) -> str | None:
        return client.category.code if client.category else None

    for email in (MANAGER, MANAGER_2, SUPERVISOR, HEAD):
        clients = sorted(by_owner.get(email, []), key=lambda c: (c.name, c.pk))
        rng.shuffle(clients)
        # Key accounts first: the weekly call and today's meetings go to clients that matter.
        clients.sort(key=lambda c: {"vip": 0, "a": 1}.get(category(c) or "", 2))
        queue = list(clients)
        if email == MANAGER and queue:
            roles[queue.pop(0).pk] = Role(weekly=True)
        if email == SUPERVISOR:
            for client in [c for c in queue if c.country == "RU" and category(c) != "vip"][:HANDED_OVER]:
                roles[client.pk] = Role(handed_over=True)
                queue.remove(client)
        for hour, minute, kind in TODAY.get(email, []):
            if queue:
                priority = TaskPriority.HIGH if kind in MEETING_TASK_KINDS else TaskPriority.NORMAL
                roles[queue.pop(0).pk] = Role(ending=Ending(kind, _local(today, hour, minute), priority=priority))
        for at_hour, at_minute, kind in TOMORROW.get(email, []):
            if queue:
                day = today + datetime.timedelta(days=1)
                due = _local(day, 23, 59) if at_hour is None else _local(day, at_hour, at_minute)
                roles[queue.pop(0).pk] = Role(ending=Ending(kind, due, all_day=at_hour is None))
        rest = queue[::-1]  # the ordinary clients: overdue work and tails are rarely on key accounts
        for days in OVERDUE_DAYS.get(email, []):
            if rest:
                due = _local(today - datetime.timedelta(days=days), rng.choice((11, 15)), 0)
                roles[rest.pop(0).pk] = Role(ending=Ending(rng.choice((TaskKind.CALL, TaskKind.EMAIL)), due))
        for days in TAIL_DAYS.get(email, []):
            if rest:
                # A deadline on a weekend moves towards the middle of the range, so the tail stays 4–10 days long.
                day = _working_day(today - datetime.timedelta(days=days), forward=days >= 7)
                due = _local(day, rng.choice((10, 12, 16)), 0)
                roles[rest.pop(0).pk] = Role(ending=Ending(TaskKind.CALL, due))
        kept = [c for c in clients if not roles.get(c.pk, Role()).handed_over]
        active = [c for c in kept if c.client_type is not None and c.client_type.code == "active"] or kept
        for days, client in zip(CONTRACTS_ENDING.get(email, []), active, strict=False):
            roles.setdefault(client.pk, Role()).contract_days = days
        with_contacts = [c for c in kept if world.contacts.get(c.pk)]
        for days, client in zip(BIRTHDAYS.get(email, []), with_contacts, strict=False):
            roles.setdefault(client.pk, Role()).birthday_in = days
    return roles


class _Replay:
    """One client's history, from four months ago to the work planned now."""

    def __init__(self, world: _World, client: Client, role: Role, now: datetime.datetime) -> None:
        self.world, self.client, self.role, self.now = world, client, role, now
        self.rng = random.Random(f"{SEED}:{client.name}")  # noqa: S311 - the same history for this client every run
        self.language = "ru" if client.country == "RU" else "en"
        self.category = client.category.code if client.category else None
        self.owner = client.responsible
        self.contacts = sorted(world.contacts.get(client.pk, []), key=lambda c: (not c.is_primary, c.pk))
        self.today = timezone.localdate(now)
        self.product = self.rng.choice(PRODUCTS[self.language])

    # --- the plan ------------------------------------------------------------------------------------

    def events(self) -> list[Event]:
        rng, role = self.rng, self.role
        low, high = EVENT_COUNT.get(self.category, EVENT_COUNT[None])
        count = rng.randint(low, high)
        client_type = self.client.client_type.code if self.client.client_type else None
        if client_type == "potential":
            count = min(count, 4)
        elif client_type == "passive":
            count = max(1, count // 2)
        last_day = self.today - datetime.timedelta(days=1)
        if role.ending is not None:
            last_day = min(last_day, timezone.localdate(role.ending.due) - datetime.timedelta(days=1))
        if role.handed_over:
            last_day = self.today - datetime.timedelta(days=5)
        first_day = self.today - datetime.timedelta(days=HISTORY_DAYS)
        busy = self._weekly_days() if role.weekly else set()
        days = [
            first_day + datetime.timedelta(days=offset)
            for offset in range((last_day - first_day).days + 1)
            if (first_day + datetime.timedelta(days=offset)).weekday() < 5
            and first_day + datetime.timedelta(days=offset) not in busy
        ]
        chosen = sorted(rng.sample(days, min(count, len(days))))
        events = [
            Event(at=_local(day, rng.randint(9, 17), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))), kind=_pick(rng, KIND_MIX))
            for day in chosen
        ]
        planned_share = PLANNED_SHARE.get(self.category, 0.2)
        for previous, event in itertools.pairwise(events):
            if event.kind != ActivityKind.NOTE and previous.kind != ActivityKind.NOTE and rng.random() < planned_share:
                previous.plan_next = event.planned = True
        for event in events:
            event.values = self.activity_values(event)
        return events

    def _weekly_days(self) -> set[datetime.date]:
        return {self.today - datetime.timedelta(weeks=week) for week in range(WEEKLY_SERIES_WEEKS + 1)}

    def ending(self) -> Ending | None:
        """The role's open task, or for an ordinary client possibly a next contact within three weeks."""
        if self.role.ending is not None or self.role.handed_over or self.role.weekly:
            return self.role.ending
        rng = self.rng
        if rng.random() >= NEXT_STEP_SHARE.get(self.category, 0.25):
            return None
        offsets = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 21]
        if self.owner is not None and self.owner.email == MANAGER_2:
            offsets = [offset for offset in offsets if not VACATION[0] <= offset <= VACATION[1]] or [VACATION[1] + 1]
        day = _working_day(self.today + datetime.timedelta(days=rng.choice(offsets)))
        kind = _pick(rng, {TaskKind.CALL: 60, TaskKind.EMAIL: 15, TaskKind.MEETING: 12, TaskKind.VISIT: 5, TaskKind.DEMO: 3,
                           TaskKind.MESSAGE: 5})  # fmt: skip
        if rng.random() < 0.2:
            return Ending(kind if kind in (TaskKind.EMAIL, TaskKind.CALL) else TaskKind.CALL, _local(day, 23, 59), all_day=True)
        return Ending(kind, _local(day, rng.randint(9, 17), rng.choice((0, 30))))

    def contact(self, *, decision_maker: bool = False) -> Contact | None:
        if not self.contacts:
            return None
        if decision_maker or self.rng.random() < 0.55:
            return self.contacts[0]
        return self.rng.choice(self.contacts)

    def place(self, kind: str) -> tuple[str, str]:
        """(place, channel) of an in-person contact: mostly the client's address, sometimes ours or a video call."""
        draw = self.rng.random()
        if (kind == ActivityKind.DEMO and draw < 0.4) or (self.language == "en" and draw < 0.5):
            return VIDEO[self.language], Channel.VIDEO
        if kind == ActivityKind.MEETING and draw > 0.8:
            return OUR_OFFICE[self.language], Channel.IN_PERSON
        return self.world.addresses.get(self.client.pk) or CLIENT_OFFICE[self.language], Channel.IN_PERSON

    def activity_values(self, event: Event) -> dict[str, Any]:
        rng, kind, language = self.rng, event.kind, self.language
        contact = self.contact(decision_maker=kind in IN_PERSON)
        values: dict[str, Any] = {"kind": kind, "occurred_at": event.at, "contact": contact}
        result_code = None
        if kind != ActivityKind.NOTE:
            boost = PRODUCTIVE_BOOST.get(self.category, 0.6)
            weights = {
                code: weight * (boost if code in PRODUCTIVE_CODES else 1.0) for code, weight in RESULTS_BY_KIND[kind].items()
            }
            result_code = _pick(rng, weights)
            values["result"] = self.world.results.get(result_code)
        values["summary"] = rng.choice(SUMMARIES[language][result_code]).format(product=self.product)
        values["subject"] = rng.choice(SUBJECTS[language][kind]).format(product=self.product)
        if kind in (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE):
            inbound = not event.planned and rng.random() < 0.3 and result_code not in ("no-answer", "call-back")
            values["direction"] = Direction.INBOUND if inbound else Direction.OUTBOUND
            values["initiator"] = Initiator.CLIENT if inbound else Initiator.US
        if kind == ActivityKind.MESSAGE:
            values["channel"] = rng.choice((Channel.TELEGRAM, Channel.WHATSAPP))
        if kind in DURATION:
            low, high = DURATION[kind]
            values["duration_minutes"] = rng.randint(low, high)
        if kind in IN_PERSON:
            values["place"], values["channel"] = self.place(kind)
            values["product"] = self.product
            values["interest_level"] = rng.randint(2, 5) if rng.random() < 0.7 else None
            people = [f"{contact.last_name} {contact.first_name}".strip()] if contact else []
            if self.owner is not None:
                people.append(f"{self.owner.last_name} {self.owner.first_name}".strip())
            values["participants"] = ", ".join(people)
        return values

    def task_values(self, kind: str, due: datetime.datetime, *, all_day: bool = False, contact: Contact | None = None) -> dict:
        values: dict[str, Any] = {
            "kind": kind,
            "title": self.rng.choice(TASK_TITLES[self.language][kind]).format(product=self.product),
            "due_at": due,
            "all_day": all_day,
            "client": self.client,
            "contact": contact if contact is not None else self.contact(decision_maker=kind in (TaskKind.MEETING, TaskKind.DEMO)),
            "priority": TaskPriority.HIGH if self.category == "vip" else TaskPriority.NORMAL,
        }
        if ACTIVITY_KIND.get(kind) in IN_PERSON:
            values["place"], _channel = self.place(ACTIVITY_KIND[kind])
            values["duration_minutes"] = 60
        return values

    # --- the replay ----------------------------------------------------------------------------------

    def run(self) -> None:
        if self.owner is None or not self.owner.is_active:
            return
        author = self.world.people.get(self.owner.email, self.owner)
        steps: list[tuple[datetime.datetime, Any]] = [(event.at, event) for event in self.events()]
        if self.role.weekly:
            steps.extend(self._weekly_steps(author))
        steps.sort(key=lambda step: step[0])
        ending = self.ending()
        events = [step for _at, step in steps if isinstance(step, Event)]
        following = dict(zip(map(id, events), events[1:], strict=False))
        pending: Task | None = None
        for at, step in steps:
            if not isinstance(step, Event):
                step()
                continue
            next_task = None
            if step.plan_next:
                following_event = following[id(step)]
                next_task = self.task_values(
                    TASK_KIND[following_event.kind], following_event.at, contact=following_event.values["contact"]
                )
            elif step is events[-1] and ending is not None:
                next_task = self.task_values(ending.kind, ending.due, all_day=ending.all_day)
                next_task["priority"] = max(next_task["priority"], ending.priority)
                if ending.due > self.now and not ending.all_day:
                    next_task["remind_at"] = ending.due - datetime.timedelta(minutes=15)
            logged_at = at + datetime.timedelta(minutes=(step.values.get("duration_minutes") or 5) + self.rng.randint(2, 20))
            with _replayed_at(min(logged_at, self.now)):
                if step.planned and pending is not None:
                    log = {key: value for key, value in step.values.items() if key != "subject"}
                    services.task_complete(actor=author, task=pending, log=log)
                    pending = services.task_create(actor=author, values=next_task) if next_task else None
                else:
                    pending = services.activity_log(
                        actor=author, client=self.client, values=step.values, next_task=next_task
                    ).next_task
        self._card_changes(author)

    def _weekly_steps(self, author: User) -> list[tuple[datetime.datetime, Any]]:
        """A weekly call to the key client: planned six weeks ago, done every week since; today's is open."""
        title, summaries = WEEKLY[self.language]
        first_due = _local(self.today - datetime.timedelta(weeks=WEEKLY_SERIES_WEEKS), 10, 0)
        contact = self.contact(decision_maker=True)
        series: dict[str, Task] = {}

        def plan() -> None:
            with _replayed_at(first_due - datetime.timedelta(days=1, hours=-6)):
                series["task"] = services.task_create(
                    actor=author,
                    values={
                        "kind": TaskKind.CALL, "title": title, "due_at": first_due, "client": self.client, "contact": contact,
                        "priority": TaskPriority.HIGH, "recurrence": Recurrence.WEEKLY, "duration_minutes": 15,
                        "remind_at": first_due - datetime.timedelta(minutes=10),
                    },
                )  # fmt: skip

        def call(week: int) -> Any:
            def complete() -> None:
                due = first_due + datetime.timedelta(weeks=week)
                log = {
                    "occurred_at": due + datetime.timedelta(minutes=self.rng.randint(0, 10)),
                    "result": self.world.results.get("agreed" if week % 3 else "informed"),
                    "summary": summaries[week % len(summaries)],
                    "duration_minutes": self.rng.randint(8, 20),
                    "direction": Direction.OUTBOUND,
                }
                with _replayed_at(due + datetime.timedelta(minutes=30)):
                    done = services.task_complete(actor=author, task=series["task"], log=log)
                assert done.next_occurrence is not None  # a weekly series without an end goes on
                series["task"] = done.next_occurrence

            return complete

        steps: list[tuple[datetime.datetime, Any]] = [(first_due - datetime.timedelta(days=1), plan)]
        steps.extend((first_due + datetime.timedelta(weeks=week), call(week)) for week in range(WEEKLY_SERIES_WEEKS))
        return steps

    def _card_changes(self, author: User) -> None:
        """Contracts, birthdays and the handover happen now, after the history, so the card's change log stays in order."""
        role, rng = self.role, self.rng
        if role.contract_days is not None or (
            self.client.client_type is not None and self.client.client_type.code == "active" and rng.random() < CONTRACT_SHARE
        ):
            days_left = role.contract_days if role.contract_days is not None else rng.randint(45, 330)
            valid_until = self.today + datetime.timedelta(days=days_left)
            signed_on = valid_until - datetime.timedelta(days=365)
            number = f"{'Д' if self.language == 'ru' else 'C'}-{signed_on.year}/{rng.randint(10, 480):03d}"
            client_services.client_update(
                actor=author,
                client=self.client,
                changes={"contract_number": number, "contract_signed_on": signed_on, "contract_valid_until": valid_until},
            )
        if role.birthday_in is not None and self.contacts:
            day = self.today + datetime.timedelta(days=role.birthday_in)
            contact = self.contacts[0]
            birthday = datetime.date(rng.choice(CONTRACT_YEARS_LEAP), day.month, day.day)
            contact_services.contact_update(actor=author, contact=contact, changes={"birthday": birthday})
        if role.handed_over:
            self._hand_over(author)

    def _hand_over(self, supervisor: User) -> None:
        """The supervisor gives the client to the demo manager and asks them to introduce themselves tomorrow."""
        manager = self.world.people[MANAGER]
        client = client_services.client_update(
            actor=supervisor,
            client=self.client,
            changes={"responsible": manager, "team": manager.team, "supervisor": supervisor},
            reason=HANDOVER["reason"],
        )
        due = _local(_working_day(self.today + datetime.timedelta(days=1)), 11, 0)
        services.task_create(
            actor=supervisor,
            values={
                "kind": TaskKind.CALL, "title": HANDOVER["title"], "description": HANDOVER["description"], "due_at": due,
                "client": client, "contact": self.contact(decision_maker=True), "assignee": manager,
                "priority": TaskPriority.HIGH,
            },
        )  # fmt: skip


def demo_people() -> Sequence[str]:
    """The demo people whose day the history fills, for the tests and the demo logins."""
    return (MANAGER, MANAGER_2, SUPERVISOR, HEAD)
