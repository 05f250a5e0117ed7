"""Phones, emails and messengers as click-to-act links: tel:, mailto:, Telegram, WhatsApp, Viber."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django import template

from kartoteka.contacts.normalize import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+74951234567 → +7 495 123-45-67."""
    return format_phone(value) if value else ""


@register.filter
def point_display(point: Any) -> str:
    value = point.value
    if value.startswith("+"):
        value = format_phone(value)
    if point.extension:
        value = f"{value} ({point.extension})"
    return value


@register.filter
def point_href(point: Any) -> str:
    """The link that starts a call, a letter or a chat; "" when there is none."""
    kind, value = point.kind, point.value
    digits = re.sub(r"\D", "", value)
    if kind == "phone":
        return f"tel:{value}" + (f",{point.extension}" if point.extension else "")
    if kind == "email":
        return f"mailto:{value}"
    if kind == "telegram":
        return f"https://t.me/{value.lstrip('@')}" if value.startswith("@") else f"https://t.me/+{digits}"
    if kind == "whatsapp" and digits:
        return f"https://wa.me/{digits}"
    if kind == "viber" and digits:
        return f"viber://chat?number={quote('+' + digits)}"
    return ""
