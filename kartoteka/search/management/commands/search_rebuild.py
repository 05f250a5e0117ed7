"""Rebuild the search index from the clients and contacts tables (after a bulk load or a restore)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from kartoteka.search.index import rebuild_all


class Command(BaseCommand):
    help = "Rebuild the search index of clients and contacts. Writes wait until it finishes."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = rebuild_all()
        if options["verbosity"]:
            self.stdout.write(f"Indexed {count} documents in {time.monotonic() - started:.1f} s.")
