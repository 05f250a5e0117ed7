"""Job functions are registered by name so a stored job can only ever run code we declared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    max_attempts: int
    timeout_seconds: int
    backoff_base_seconds: int
    queue_name: str
    atomic: bool


_jobs: dict[str, JobSpec] = {}


def job(
    *,
    max_attempts: int = 5,
    timeout: int | None = None,
    backoff: int = 10,
    queue_name: str = "default",
    atomic: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function as a reliable job. Arguments must be JSON-serialisable.

    ``timeout`` (seconds) bounds one attempt; ``backoff`` is the first retry delay, doubling after
    each failure (with jitter); after ``max_attempts`` the job is marked failed. ``atomic`` jobs run
    in one transaction with their success mark; long jobs (imports) pass ``atomic=False`` and commit
    in chunks themselves, so they do not hold SQLite's write lock for minutes.
    """

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        from django.conf import settings

        name = f"{func.__module__}.{func.__qualname__}"
        _jobs[name] = JobSpec(
            name=name,
            func=func,
            max_attempts=max_attempts,
            timeout_seconds=timeout or settings.JOBS_DEFAULT_TIMEOUT,
            backoff_base_seconds=backoff,
            queue_name=queue_name,
            atomic=atomic,
        )
        func.job_name = name  # type: ignore[attr-defined]
        return func

    return decorator


def spec(name: str) -> JobSpec:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(f"No job is registered as {name!r}") from None


def name_of(func: Callable[..., Any]) -> str:
    name = getattr(func, "job_name", None)
    if name is None:
        raise LookupError(f"{func!r} is not declared with @job")
    return str(name)
