"""API endpoints for clients: the list, the card, requisites, bank accounts, addresses and reference lists.

Reads start from the access policy; writes go through ``clients.services``. An id in the path that the
caller may not see answers 404 exactly like a missing one; an id or code in a request body that does not
resolve (or is not visible) answers 422 naming the field, so nothing can be probed either way.
Conventions: docs/api.md; this area: docs/api-clients.md.
"""

from __future__ import annotations

from ninja import Router

# Defined before the endpoint modules are imported: they import kartoteka.api, whose mount() imports this
# router, so whichever module is imported first, the name exists by then. ninja reads the children only
# when the URLs are built.
router = Router()

from kartoteka.clients.api import clients, records, references  # noqa: E402

router.add_router("", clients.router)
router.add_router("", records.router)
router.add_router("", references.router)
