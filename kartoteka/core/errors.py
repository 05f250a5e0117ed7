"""Domain errors: raised by services, turned into a form message or an API error in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request that is well-formed but cannot be carried out; ``code`` is machine-readable."""

    status = 400
    code = "domain_error"

    def __init__(self, message: Any, *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code is not None:
            self.code = code


class ConflictError(DomainError):
    """The request clashes with the current state (duplicate, non-empty, already done)."""

    status = 409
    code = "conflict"
