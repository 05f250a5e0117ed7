"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def scope_tone(scope: int) -> str:
    return {0: "light text-body-secondary border", 1: "info", 2: "primary", 3: "success"}.get(int(scope), "light")
