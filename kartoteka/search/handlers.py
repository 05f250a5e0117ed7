"""The index follows the services' events, after their transaction commits (``core.events``)."""

from __future__ import annotations

from kartoteka.core import events
from kartoteka.search.index import reindex_clients

# Every event that can change what a client's or a contact's document holds, and where its payload
# names the clients concerned (a merge: the survivor and the absorbed one; a move: both companies).
EVENTS = (
    "client.created",
    "client.updated",
    "client.deleted",
    "client.merged",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "contact.moved",
)
CLIENT_KEYS = ("client_id", "absorbed_id", "from_client_id")


def reindex_after(event: events.Event) -> None:
    reindex_clients(event.payload.get(key) for key in CLIENT_KEYS)


for name in EVENTS:
    events.subscribe(name)(reindex_after)
