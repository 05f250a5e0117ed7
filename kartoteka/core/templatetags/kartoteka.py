"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def scope_tone(scope: int) -> str:
    return {0: "light text-body-secondary border", 1: "info", 2: "primary", 3: "success"}.get(int(scope), "light")


@register.filter
def timeuntil_delta(delta: datetime.timedelta | None) -> str:
    """A duration in words ("15 minutes"), in the active language."""
    if not delta:
        return ""
    now = timezone.now()
    return timeuntil(now + delta, now)
