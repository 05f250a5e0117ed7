"""The starting funnel and reasons for losing a deal; administrators edit them afterwards.

A B2B sales pipeline (seed 003: from the first request through the offer and negotiation to
"Успех" or "Отказ" with a reason). The window-installation pipeline of seed 001 is demo
configuration, not a default.
"""

from __future__ import annotations

from typing import Any

# code, English, Russian, Ukrainian, Romanian, kind, probability, colour, required fields
STAGES: list[tuple[str, str, str, str, str, str, int, str, list[str]]] = [
    ("new", "New request", "Новая заявка", "Нова заявка", "Cerere nouă", "open", 10, "#0d6efd", []),
    ("qualification", "Qualification", "Квалификация", "Кваліфікація", "Calificare", "open", 20, "#6610f2", []),
    ("meeting", "Meeting / presentation", "Встреча / презентация", "Зустріч / презентація", "Întâlnire / prezentare", "open", 40, "#6f42c1", []),  # noqa: E501
    ("proposal", "Proposal sent", "Отправлено предложение", "Надіслано пропозицію", "Ofertă trimisă", "open", 60, "#fd7e14", ["amount"]),  # noqa: E501
    ("negotiation", "Negotiation", "Переговоры", "Переговори", "Negociere", "open", 80, "#ffc107", ["amount", "expected_close_on"]),  # noqa: E501
    ("won", "Won", "Успех", "Успіх", "Câștigat", "won", 100, "#198754", ["amount"]),
    ("lost", "Lost", "Отказ", "Відмова", "Pierdut", "lost", 0, "#dc3545", []),
]  # fmt: skip

LOST_REASONS: list[tuple[str, str, str, str, str]] = [
    ("price", "Price too high", "Высокая цена", "Висока ціна", "Preț prea mare"),
    ("competitor", "Chose a competitor", "Выбрали конкурента", "Обрали конкурента", "A ales un concurent"),
    ("no-budget", "No budget", "Нет бюджета", "Немає бюджету", "Fără buget"),
    ("no-need", "No need any more", "Потребность отпала", "Потреба зникла", "Nu mai are nevoie"),
    ("no-response", "Stopped answering", "Перестал выходить на связь", "Перестав виходити на зв'язок", "Nu mai răspunde"),
    ("terms", "Terms did not suit", "Не устроили условия", "Не влаштували умови", "Condițiile nu au convenit"),
    ("timing", "Postponed indefinitely", "Отложено на неопределённый срок", "Відкладено на невизначений строк", "Amânat pe termen nedefinit"),  # noqa: E501
    ("other", "Other", "Другое", "Інше", "Altele"),
]  # fmt: skip


def install_deal_defaults(apps: Any) -> None:
    """Create or refresh the default pipeline and the reasons for losing; takes historical models."""
    pipeline_model = apps.get_model("deals", "Pipeline")
    stage_model = apps.get_model("deals", "Stage")
    reason_model = apps.get_model("deals", "LostReason")
    pipeline, _ = pipeline_model.objects.update_or_create(
        code="sales",
        defaults={"name_en": "Sales", "name_ru": "Продажи", "name_uk": "Продажі", "name_ro": "Vânzări", "order": 10},
    )
    for order, (code, en, ru, uk, ro, kind, probability, colour, required) in enumerate(STAGES, start=1):
        stage_model.objects.update_or_create(
            pipeline=pipeline,
            code=code,
            defaults={
                "name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro, "kind": kind, "order": order * 10,
                "probability": probability, "colour": colour, "required_fields": required,
            },
        )  # fmt: skip
    for order, (code, en, ru, uk, ro) in enumerate(LOST_REASONS, start=1):
        reason_model.objects.update_or_create(
            code=code, defaults={"name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro, "order": order * 10}
        )
