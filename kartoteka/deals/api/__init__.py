"""API endpoints for deals (the list, one deal, stage moves, contact persons, line items, price proposals, the stage
history), the pipelines with their stages and the reasons for losing.

Reads start from ``deals.selectors``; writes go through ``deals.services``. An id in the path that the caller may not
see answers 404 like a missing one; an id or code in a body that does not resolve answers 422 naming the input.
Conventions: docs/api.md; this area: docs/api-deals.md.
"""

from __future__ import annotations

from ninja import Router

# Defined before the endpoint modules are imported (they import kartoteka.api, whose mount() imports this).
router = Router()

from kartoteka.deals.api import deals, pipelines  # noqa: E402

router.add_router("", pipelines.router)
router.add_router("", deals.router)
