"""The main navigation as a registry: each app adds its sections with the rule that shows them.

The shell renders only the sections the current user's roles can use, so a role never sees a
link that would answer 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    key: str
    label: Any  # a lazy translation
    url_name: str
    allowed: Callable[[Any], bool]
    order: int = 100
    url_prefix: str | None = None  # highlights the section for every page under it

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_sections: dict[str, Section] = {}


def register(section: Section) -> Section:
    _sections[section.key] = section
    return section


def sections_for(user: Any) -> list[Section]:
    if not user.is_authenticated:
        return []
    return sorted((s for s in _sections.values() if s.allowed(user)), key=lambda s: (s.order, s.key))
