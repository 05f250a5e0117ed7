"""The service-level prompt in the client card's header strip (DESIGN §11)."""

from __future__ import annotations

from django.http import HttpRequest

from kartoteka.automation.selectors import service_level_for
from kartoteka.automation.service_levels import service_level_prompt
from kartoteka.clients import panels
from kartoteka.clients.models import Client


def service_level_note(request: HttpRequest, client: Client) -> str:
    level = service_level_for(client)
    return service_level_prompt(level) if level is not None else ""


panels.register_header_note(panels.HeaderNote(key="service-level", text=service_level_note, order=10))
