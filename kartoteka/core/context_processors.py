from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kartoteka.core import navigation


def shell(request: HttpRequest) -> dict[str, Any]:
    sections = navigation.sections_for(request.user)
    return {
        "nav_bar": navigation.arrange(sections),
        "nav_active": _active_section(request.path, sections),
        "interface_languages": settings.LANGUAGES,
    }


def _active_section(path: str, sections: list[navigation.Section]) -> str | None:
    best: tuple[int, str] | None = None
    for section in sections:
        prefix = section.url_prefix or section.url
        matches = path == prefix if prefix == "/" else path.startswith(prefix)
        if matches and (best is None or len(prefix) > best[0]):
            best = (len(prefix), section.key)
    return best[1] if best else None
