"""Reads for automation: which service level applies to a client."""

from __future__ import annotations

from kartoteka.automation.models import ServiceLevel
from kartoteka.clients.models import Client


def service_level_for(client: Client) -> ServiceLevel | None:
    """The service level of the client's category: one query, none for a client without a category.

    The caller has already checked that the client is visible; service levels are configuration that
    everyone who sees the client may read.
    """
    if client.category_id is None:
        return None
    level = ServiceLevel.objects.filter(category_id=client.category_id).first()
    if level is not None and Client.category.is_cached(client) and client.category is not None:
        level.category = client.category  # the prompt names the category: no second query for it
    return level
