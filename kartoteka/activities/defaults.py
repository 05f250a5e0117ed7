"""Starting activity results (seed 002: a productive contact moves the client forward).

Each row: code, English, Russian, Ukrainian, Romanian, productive. Administrators edit them afterwards.
"""

from __future__ import annotations

from typing import Any

RESULTS: list[tuple[str, str, str, str, str, bool]] = [
    ("agreed", "Agreed on the next step", "Договорились о следующем шаге", "Домовилися про наступний крок", "S-a convenit pasul următor", True),  # noqa: E501
    ("meeting-set", "Meeting arranged", "Назначена встреча", "Призначено зустріч", "Întâlnire stabilită", True),
    ("offer-requested", "Asked for an offer", "Запросили предложение", "Запросили пропозицію", "Au cerut o ofertă", True),
    ("order", "Order placed", "Сделан заказ", "Зроблено замовлення", "Comandă plasată", True),
    ("informed", "Information given", "Проинформировали", "Поінформували", "Informat", True),
    ("call-back", "Asked to call back", "Просили перезвонить", "Просили передзвонити", "Au cerut să revenim", False),
    ("no-answer", "No answer", "Не дозвонились", "Не додзвонилися", "Fără răspuns", False),
    ("wrong-person", "Not the decision maker", "Не тот человек", "Не та людина", "Nu este decidentul", False),
    ("postponed", "Postponed", "Отложили", "Відклали", "Amânat", False),
    ("refused", "Refused", "Отказ", "Відмова", "Refuz", False),
]  # fmt: skip


def install_activity_results(apps: Any) -> None:
    model = apps.get_model("activities", "ActivityResult")
    for order, (code, en, ru, uk, ro, productive) in enumerate(RESULTS, start=1):
        model.objects.update_or_create(
            code=code,
            defaults={"name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro, "productive": productive, "order": order * 10},
        )
