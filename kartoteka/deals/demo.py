"""Demo deals and the window-installation funnel of seed 001, ready to run.

``demo_data`` calls :func:`demo_deals` after the demo clients and their history exist:

* about sixty deals of the demo clients in the "Sales" pipeline, spread over the stages, some won
  and lost with reasons, with line items and price proposals, created and moved through the services
  as their owners;
* the **window-installation** configuration: the "Окна" pipeline (first call → measurement → approval
  → payment → installation), a measurer and an installer, the automation rules that hand the deal from
  person to person with deadlines, a web form "Заявка на замер" whose leads go round a queue of the
  two demo managers, and the service levels' prompts on the card.

Idempotent: a second run finds the pipeline, the rules, the form and the demo deals and adds nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kartoteka.clients.models import Client, ClientSource
from kartoteka.deals import services
from kartoteka.deals.models import Deal, LostReason, Pipeline, Stage, StageKind
from kartoteka.users.models import Role, Team, User

SEED = 2027
DEMO_TAG = "демо"
WINDOWS = "windows"
MEASURER = "measurer@example.com"
INSTALLER = "installer@example.com"

# code, Russian, English, kind, probability, colour, required fields, maximum minutes in stage
WINDOW_STAGES: list[tuple[str, str, str, str, int, str, list[str], int | None]] = [
    ("first-call", "Первый звонок", "First call", "open", 10, "#0d6efd", [], 15),
    ("measurement", "Замер", "Measurement", "open", 30, "#6610f2", [], None),
    ("approval", "Согласование", "Approval", "open", 50, "#fd7e14", [], 120),
    ("payment", "Оплата", "Payment", "open", 80, "#ffc107", ["amount"], None),
    ("installation", "Монтаж", "Installation", "open", 95, "#20c997", ["amount"], None),
    ("won", "Успех", "Won", "won", 100, "#198754", ["amount"], None),
    ("lost", "Отказ", "Lost", "lost", 0, "#dc3545", [], None),
]  # fmt: skip

TITLES = [
    "Поставка оборудования", "Годовой контракт на обслуживание", "Пилотный проект", "Расширение лицензий",
    "Оснащение нового филиала", "Замена парка техники", "Поставка расходных материалов", "Внедрение под ключ",
]  # fmt: skip
LINES = [("Оборудование", "шт", 45000), ("Монтаж и пусконаладка", "усл", 18000), ("Обучение персонала", "час", 3500)]


@dataclass
class Summary:
    deals: int = 0
    rules: int = 0
    forms: int = 0

    def __str__(self) -> str:
        return f"Demo deals ready ({self.deals} new deals, {self.rules} new rules, {self.forms} new web forms)."


def _stage(pipeline: Pipeline, code: str) -> Stage:
    return Stage.objects.get(pipeline=pipeline, code=code)


@transaction.atomic
def demo_deals(*, now: datetime.datetime | None = None) -> Summary:
    summary = Summary()
    now = now or timezone.now()
    summary.deals += _sales_deals(now)
    rules, forms = install_window_funnel()
    summary.rules += rules
    summary.forms += forms
    return summary


def _sales_deals(now: datetime.datetime) -> int:
    pipeline = Pipeline.objects.filter(code="sales").first()
    if pipeline is None or Deal.objects.filter(pipeline=pipeline).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not secrets
    clients = list(
        Client.objects.filter(tags__name=DEMO_TAG, responsible__isnull=False).select_related("responsible").order_by("pk")[:60]
    )
    sources = list(ClientSource.objects.filter(is_active=True))
    reasons = list(LostReason.objects.filter(is_active=True))
    open_stages = list(pipeline.stages.filter(kind=StageKind.OPEN, is_active=True).order_by("order"))
    created = 0
    for index, client in enumerate(clients):
        owner: User = client.responsible  # type: ignore[assignment]
        started = now - datetime.timedelta(days=rng.randint(3, 100), hours=rng.randint(0, 8))
        amount = Decimal(rng.randrange(50, 3000) * 1000)
        deal = services.deal_create(
            actor=owner,
            client=client,
            values={
                "title": f"{rng.choice(TITLES)}: {client.name}"[:255],
                "source": rng.choice(sources) if sources else None,
                "expected_close_on": (now + datetime.timedelta(days=rng.randint(-5, 90))).date(),
            },
            now=started,
        )
        created += 1
        # How far it got: most still in the funnel, some won, some lost.
        depth = rng.randint(0, len(open_stages) - 1)
        moment = started
        if depth >= 2:
            services.deal_set_lines(
                actor=owner,
                deal=deal,
                lines=[
                    {"description": name, "unit": unit, "quantity": Decimal(rng.randint(1, 12)), "price": Decimal(price)}
                    for name, unit, price in LINES[: rng.randint(1, 3)]
                ],
            )
        else:
            services.deal_update(actor=owner, deal=deal, changes={"amount": amount})
        for stage in open_stages[1 : depth + 1]:
            moment = moment + datetime.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 5))
            if moment >= now:
                break
            if stage.code == "negotiation":
                deal.refresh_from_db()
                services.deal_propose_price(
                    actor=owner,
                    deal=deal,
                    amount=((deal.amount or amount) * Decimal("0.9")).quantize(Decimal("0.01")),
                    proposed_on=moment.date(),
                    by_client=True,
                    note="Клиент просит скидку 10%",
                )
            services.deal_move_stage(actor=owner, deal=deal, stage=stage, now=moment)
        outcome = index % 5
        closing = moment + datetime.timedelta(days=rng.randint(1, 10))
        if closing < now and outcome == 0:
            services.deal_win(actor=owner, deal=deal, comment="Договор подписан", now=closing)
        elif closing < now and outcome == 1 and reasons:
            services.deal_lose(actor=owner, deal=deal, reason=rng.choice(reasons), comment="Решение клиента", now=closing)
    return created


def _person(email: str, last: str, first: str, position: str, language: str = "ru") -> User:
    from kartoteka.users import services as user_services
    from kartoteka.users.management.commands.demo_data import DEMO_PASSWORD

    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    team = Team.objects.filter(name="Сервисная служба").first()
    return user_services.user_create(
        actor=None,
        email=email,
        password=DEMO_PASSWORD,
        last_name=last,
        first_name=first,
        position=position,
        team=team,
        roles=list(Role.objects.filter(code=Role.SERVICE_ENGINEER)),
        language=language,
    )


def install_window_funnel() -> tuple[int, int]:
    """The seed-001 funnel as configuration: pipeline, people, rules, queue and web form."""
    from kartoteka.automation.models import AssignmentQueue, QueueMember, Rule, Trigger
    from kartoteka.automation.rules import rule_clean
    from kartoteka.marketing.models import FieldKind, FieldTarget, WebForm, WebFormField

    pipeline, _created = Pipeline.objects.get_or_create(
        code=WINDOWS, defaults={"name_ru": "Окна", "name_en": "Windows", "name_uk": "Вікна", "name_ro": "Ferestre", "order": 20}
    )
    for order, (code, ru, en, kind, probability, colour, required, max_minutes) in enumerate(WINDOW_STAGES, start=1):
        Stage.objects.get_or_create(
            pipeline=pipeline,
            code=code,
            defaults={
                "name_ru": ru, "name_en": en, "kind": kind, "order": order * 10, "probability": probability, "colour": colour,
                "required_fields": required, "max_minutes": max_minutes,
            },
        )  # fmt: skip
    measurer = _person(MEASURER, "Замеров", "Павел", "Замерщик")
    installer = _person(INSTALLER, "Монтажников", "Игорь", "Монтажник")
    managers = list(User.objects.filter(email__in=["manager@example.com", "manager2@example.com"]).order_by("email"))
    queue, _created = AssignmentQueue.objects.get_or_create(name="Заявки на окна")
    if not queue.members.exists():
        QueueMember.objects.bulk_create([QueueMember(queue=queue, user=user, position=n) for n, user in enumerate(managers)])

    only_windows = {"pipeline": [pipeline.pk]}
    rules: list[dict[str, Any]] = [
        {
            "name": "Окна: позвонить в течение 15 минут",
            "trigger": Trigger.DEAL_CREATED,
            "actions": [
                {"type": "create_task", "title": "Позвонить клиенту {client} в течение 15 минут", "kind": "call", "minutes": 15,
                 "assignee": "owner", "priority": 3},
            ],
        },
        {
            "name": "Окна: просрочен звонок — напомнить менеджеру",
            "trigger": Trigger.TASK_OVERDUE,
            "delay_minutes": 0,
            "actions": [{"type": "notify", "to": "owner", "message": "Просрочена задача «{task}» по сделке {deal}"}],
        },
        {
            "name": "Окна: просрочка 10 минут — сообщить руководителю",
            "trigger": Trigger.TASK_OVERDUE,
            "delay_minutes": 10,
            "conditions": {"stage": [_stage(pipeline, "first-call").pk]},
            "actions": [{"type": "notify", "to": "supervisor", "message": "{owner} не перезвонил по заявке {deal}"}],
        },
        {
            "name": "Окна: замер",
            "trigger": Trigger.STAGE_ENTERED,
            "stage": _stage(pipeline, "measurement"),
            "actions": [
                {"type": "create_task", "title": "Выехать на замер: {client}", "kind": "visit", "minutes": 9 * 60,
                 "working_time": True, "assignee": f"user:{measurer.pk}"},
            ],
        },
        {
            "name": "Окна: рассчитать стоимость",
            "trigger": Trigger.STAGE_ENTERED,
            "stage": _stage(pipeline, "approval"),
            "actions": [
                {"type": "create_task", "title": "Рассчитать стоимость и позвонить клиенту в течение 2 часов", "kind": "call",
                 "minutes": 120, "working_time": True, "assignee": "owner", "priority": 3},
            ],
        },
        {
            "name": "Окна: договор и счёт",
            "trigger": Trigger.STAGE_ENTERED,
            "stage": _stage(pipeline, "payment"),
            "actions": [{"type": "generate_document", "template": "Договор и счёт на оплату окон"}],
        },
        {
            "name": "Окна: монтаж",
            "trigger": Trigger.STAGE_ENTERED,
            "stage": _stage(pipeline, "installation"),
            "actions": [
                {"type": "create_task", "title": "Монтаж окон: {client}", "kind": "visit", "minutes": 3 * 9 * 60,
                 "working_time": True, "assignee": f"user:{installer.pk}"},
                {"type": "notify", "to": f"user:{installer.pk}", "message": "Новый монтаж: {client}, {amount}, срок {due}"},
            ],
        },
    ]  # fmt: skip
    created_rules = 0
    for spec in rules:
        if Rule.objects.filter(name=spec["name"]).exists():
            continue
        rule = Rule(conditions={**only_windows, **spec.pop("conditions", {})}, **spec)
        rule_clean(rule)
        rule.save()
        created_rules += 1

    created_forms = 0
    if not WebForm.objects.filter(name="Заявка на замер окон").exists():
        form = WebForm.objects.create(
            name="Заявка на замер окон",
            title="Оставьте заявку — перезвоним через 15 минут",
            pipeline=pipeline,
            stage=_stage(pipeline, "first-call"),
            queue=queue,
            default_owner=managers[0] if managers else None,
            source=ClientSource.objects.filter(code="website").first(),
            thank_you_text="Спасибо! Менеджер перезвонит вам в течение 15 минут.",
            consent_required=True,
            consent_text="Согласен на обработку персональных данных",
        )
        fields = [
            ("name", "Your name", "Ваше имя", FieldKind.TEXT, FieldTarget.CONTACT_NAME, True),
            ("phone", "Phone", "Телефон", FieldKind.PHONE, FieldTarget.CONTACT_PHONE, True),
            ("email", "Email", "Эл. почта", FieldKind.EMAIL, FieldTarget.CONTACT_EMAIL, False),
            ("address", "Address", "Адрес", FieldKind.TEXT, FieldTarget.NOTE, False),
            ("message", "Windows: how many, what kind", "Сколько окон, какие", FieldKind.TEXTAREA, FieldTarget.DEAL_DESCRIPTION, False),  # noqa: E501
        ]  # fmt: skip
        for order, (key, label_en, label_ru, kind, target, must) in enumerate(fields):
            WebFormField.objects.create(
                form=form, key=key, label_en=label_en, label_ru=label_ru, kind=kind, target=target, required=must, order=order
            )
        created_forms += 1
    return created_rules, created_forms
