"""The main navigation as a registry: each app adds its sections with the rule that shows them.

The shell renders only the sections the current user's roles can use, so a role never sees a
link that would answer 403.

A section may belong to a group: the bar shows the group as one drop-down button, which keeps the
bar on one line for the people who can use every section. A group that leaves a user a single
section is not worth a click, so that section shows as a plain link in its own place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class Section:
    key: str
    label: Any  # a lazy translation
    url_name: str
    allowed: Callable[[Any], bool]
    order: int = 100
    url_prefix: str | None = None  # highlights the section for every page under it
    group: str | None = None  # the key of a registered Group

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Group:
    key: str
    label: Any  # a lazy translation
    order: int  # where the drop-down sits in the bar, among the sections' orders


@dataclass(frozen=True)
class Menu:
    """A group as one user sees it: the two or more of its sections this user can use."""

    group: Group
    sections: tuple[Section, ...]

    @property
    def section_keys(self) -> tuple[str, ...]:
        return tuple(section.key for section in self.sections)


_sections: dict[str, Section] = {}
_groups: dict[str, Group] = {}


def register(section: Section) -> Section:
    if section.group is not None and section.group not in _groups:
        raise LookupError(f"Section {section.key!r} names the group {section.group!r}, which is not registered.")
    _sections[section.key] = section
    return section


def register_group(group: Group) -> Group:
    _groups[group.key] = group
    return group


def sections_for(user: Any) -> list[Section]:
    if not user.is_authenticated:
        return []
    return sorted((s for s in _sections.values() if s.allowed(user)), key=lambda s: (s.order, s.key))


def arrange(sections: Iterable[Section]) -> list[Section | Menu]:
    """The entries of the bar: ungrouped sections and lone group members as links, other groups as menus."""
    members: dict[str, list[Section]] = {}
    placed: list[tuple[tuple[int, str], Section | Menu]] = []
    for section in sorted(sections, key=lambda s: (s.order, s.key)):
        if section.group is None:
            placed.append(((section.order, section.key), section))
        else:
            members.setdefault(section.group, []).append(section)
    for key, grouped in members.items():
        if len(grouped) == 1:
            placed.append(((grouped[0].order, grouped[0].key), grouped[0]))
        else:
            group = _groups[key]
            placed.append(((group.order, group.key), Menu(group=group, sections=tuple(grouped))))
    return [entry for _, entry in sorted(placed, key=lambda item: item[0])]


# Sections people open now and then (the company overview, background jobs, the admin site) share one
# button at the end of the bar.
register_group(Group(key="more", label=pgettext_lazy("main navigation", "More"), order=10_000))
