"""System checks for the deployment: things that silently degrade the product if wrong."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import connections


@checks.register(checks.Tags.database)
def postgresql_ctype_is_utf8(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """pg_trgm ignores Cyrillic (and all non-ASCII letters) when the database's LC_CTYPE is C/POSIX."""
    problems: list[checks.CheckMessage] = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            (ctype,) = cursor.fetchone()
        if ctype in {"C", "POSIX"} or "utf" not in ctype.lower().replace("-", ""):
            problems.append(
                checks.Error(
                    f"Database {connection.settings_dict['NAME']!r} has LC_CTYPE={ctype!r}: search would ignore Cyrillic.",
                    hint="Create it with: CREATE DATABASE … TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
                    id="kartoteka.E001",
                )
            )
    return problems
