"""API endpoints for activities (the relationship history), tasks (planned work) and the activity results list.

Reads start from ``activities.selectors``; writes go through ``activities.services``. An id in the path that
the caller may not see answers 404 like a missing one; an id or code in a body that does not resolve answers
422 naming the input. Conventions: docs/api.md; this area: docs/api-activities.md.
"""

from __future__ import annotations

from ninja import Router

# Defined before the endpoint modules are imported (they import kartoteka.api, whose mount() imports this).
router = Router()

from kartoteka.activities.api import activities, tasks  # noqa: E402

router.add_router("", activities.router)
router.add_router("", tasks.router)
