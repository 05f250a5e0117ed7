"""A small in-process domain event bus.

Services publish events (``team.created``, later ``deal.stage_changed``); automation rules,
webhooks and notifications subscribe. Handlers run after the surrounding transaction commits,
so a rolled-back change never announces itself. A handler that needs to do slow work enqueues
a job instead of doing it inline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event], None]
_handlers: defaultdict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str) -> Callable[[Handler], Handler]:
    """Decorator: call the handler for every event called ``name`` (``"*"`` for all events)."""

    def decorator(handler: Handler) -> Handler:
        if handler not in _handlers[name]:
            _handlers[name].append(handler)
        return handler

    return decorator


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _handlers[name]:
        _handlers[name].remove(handler)


def publish(name: str, /, **payload: Any) -> Event:
    event = Event(name=name, payload=payload)
    transaction.on_commit(lambda: _dispatch(event))
    return event


def _dispatch(event: Event) -> None:
    for handler in [*_handlers[event.name], *_handlers["*"]]:
        try:
            handler(event)
        except Exception:
            # One broken subscriber must not break the others or the request that published.
            logger.exception("Event handler %r failed for %s", handler, event.name)
