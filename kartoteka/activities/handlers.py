"""Keep derived activity data right when other contexts change clients."""

from __future__ import annotations

from kartoteka.activities import services
from kartoteka.core.events import Event, subscribe


@subscribe("client.merged")
def recount_after_merge(event: Event) -> None:
    """The survivor took the absorbed client's history: its last contact may be newer now."""
    services.recount_last_contact(event.payload["client_id"])
