"""The starting calendar and service levels, installed by data migrations; administrators edit them afterwards.

Installing again (tests after a database flush) creates what is missing and never overwrites edits.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings

DEFAULT_CALENDAR_NAME = "Standard working week"
DEFAULT_HOURS = [(weekday, datetime.time(9), datetime.time(18)) for weekday in range(5)]  # Mon–Fri 09:00–18:00

# Seed 002: serve best the clients who bring the most; a small client gets a phone call, not a visit,
# and offers that could move it up a class. Times are working minutes: response to a new request, callback.
SERVICE_LEVELS: list[dict[str, Any]] = [
    {
        "code": "vip",
        "response_minutes": 30,
        "callback_minutes": 60,
        "onsite_meetings_allowed": True,
        "offer": (
            "individual terms, new products first, personal presentations",
            "индивидуальные условия, новинки в первую очередь, персональные презентации",
            "індивідуальні умови, новинки в першу чергу, персональні презентації",
            "condiții individuale, noutăți în primul rând, prezentări personale",
        ),
        "prompt": (
            "Serve first: this client brings the most.",
            "Обслуживать в первую очередь: клиент приносит больше всего.",
            "Обслуговувати в першу чергу: клієнт приносить найбільше.",
            "Deservire prioritară: clientul aduce cel mai mult.",
        ),
    },
    {
        "code": "a",
        "response_minutes": 60,
        "callback_minutes": 120,
        "onsite_meetings_allowed": True,
        "offer": (
            "terms package of the category, volume discounts, related products",
            "пакет условий по категории, скидки за объём, сопутствующие товары",
            "пакет умов за категорією, знижки за обсяг, супутні товари",
            "pachetul de condiții al categoriei, reduceri de volum, produse conexe",
        ),
        "prompt": (
            "Keep in close touch; meet on request.",
            "Поддерживать тесный контакт; встречаться по запросу.",
            "Підтримувати тісний контакт; зустрічатися на запит.",
            "Mențineți legătura strânsă; întâlniri la cerere.",
        ),
    },
    {
        "code": "b",
        "response_minutes": 120,
        "callback_minutes": 240,
        "onsite_meetings_allowed": True,
        "offer": (
            "standard terms; offers that raise the order to class A",
            "стандартные условия; предложения, поднимающие заказ до класса A",
            "стандартні умови; пропозиції, що піднімають замовлення до класу A",
            "condiții standard; oferte care ridică comanda la clasa A",
        ),
        "prompt": (
            "Find out the potential: could they buy more?",
            "Выяснить потенциал: может ли клиент покупать больше?",
            "З'ясувати потенціал: чи може клієнт купувати більше?",
            "Aflați potențialul: ar putea cumpăra mai mult?",
        ),
    },
    {
        "code": "c",
        "response_minutes": 240,
        "callback_minutes": 480,
        "onsite_meetings_allowed": False,
        "offer": (
            "standard price list by phone and email",
            "стандартный прайс-лист по телефону и почте",
            "стандартний прайс-лист телефоном і поштою",
            "lista de prețuri standard prin telefon și e-mail",
        ),
        "prompt": (
            "Small turnover: raise to a higher class or spend little time.",
            "Малый оборот: вытягивать в более высокий класс или тратить минимум времени.",
            "Малий обіг: підтягувати до вищого класу або витрачати мінімум часу.",
            "Rulaj mic: ridicați la o clasă superioară sau alocați puțin timp.",
        ),
    },
]

LANGUAGES = ("en", "ru", "uk", "ro")


def install_default_calendar(apps: Any) -> None:
    """Mon–Fri 09:00–18:00 in the installation's time zone, no holidays, unless a default exists."""
    calendar_model = apps.get_model("automation", "WorkCalendar")
    if calendar_model.objects.filter(is_default=True).exists():
        return
    calendar, created = calendar_model.objects.get_or_create(
        name=DEFAULT_CALENDAR_NAME, defaults={"time_zone": settings.TIME_ZONE, "is_default": True}
    )
    if not created:
        calendar.is_default = True
        calendar.save(update_fields=["is_default"])
    if created:
        hours = apps.get_model("automation", "WorkingHours")
        hours.objects.bulk_create(
            [hours(calendar=calendar, weekday=weekday, start_time=start, end_time=end) for weekday, start, end in DEFAULT_HOURS]
        )


def remove_default_calendar(apps: Any) -> None:
    apps.get_model("automation", "WorkCalendar").objects.filter(name=DEFAULT_CALENDAR_NAME, is_default=True).delete()


def install_service_levels(apps: Any) -> None:
    """A service level for each default client category still present that has none yet."""
    category_model = apps.get_model("clients", "ClientCategory")
    level_model = apps.get_model("automation", "ServiceLevel")
    categories = {
        category.code: category for category in category_model.objects.filter(code__in=[row["code"] for row in SERVICE_LEVELS])
    }
    for row in SERVICE_LEVELS:
        category = categories.get(row["code"])
        if category is None:  # renamed or removed by the administrator: nothing to attach to
            continue
        texts = {
            f"{field}_{language}": text
            for field in ("offer", "prompt")
            for language, text in zip(LANGUAGES, row[field], strict=True)
        }
        level_model.objects.get_or_create(
            category=category,
            defaults={
                "response_minutes": row["response_minutes"],
                "callback_minutes": row["callback_minutes"],
                "onsite_meetings_allowed": row["onsite_meetings_allowed"],
                **texts,
            },
        )


def remove_service_levels(apps: Any) -> None:
    apps.get_model("automation", "ServiceLevel").objects.filter(
        category__code__in=[row["code"] for row in SERVICE_LEVELS]
    ).delete()


def install_automation_defaults(apps: Any) -> None:
    install_default_calendar(apps)
    install_service_levels(apps)
