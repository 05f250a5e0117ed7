"""The two registries: data generators and timed scenarios, filled by decorators.

Modules under ``bench/generators/`` and ``bench/scenarios/`` are discovered and imported the first
time a registry is read, so a later issue adds its clients, deals or invoices by adding a module
instead of editing a list here. Nothing in this module touches Django models, which lets
``python -m bench`` import it before ``django.setup()``.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bench.personas import PERSONAS, SUPERVISOR

if TYPE_CHECKING:
    from kartoteka.users.models import User

GENERATOR_PACKAGE = "bench.generators"
SCENARIO_PACKAGE = "bench.scenarios"


class GeneratorFunction(Protocol):
    """Creates the missing rows of one entity for ``scale`` and returns how many it created.

    Must be idempotent: rows carry a bench marker, so a second run at the same scale creates none
    and a run at a larger scale only tops up.
    """

    def __call__(self, *, scale: float, rng: random.Random) -> int: ...


Measured = Callable[[], object]
"""One timed unit of work, e.g. one request; called many times, so it must not accumulate state."""


class ScenarioFunction(Protocol):
    """Prepares untimed state for ``viewer`` (a signed-in client…), yields the measured callable, then cleans up."""

    def __call__(self, *, viewer: User) -> Iterator[Measured]: ...


RawParams = Callable[["User"], Mapping[str, Any]]


@dataclass(frozen=True)
class Generator:
    name: str
    order: int
    function: GeneratorFunction

    def run(self, *, scale: float, seed: int) -> int:
        # A stream per generator, so adding a generator never changes what the others produce.
        return self.function(scale=scale, rng=random.Random(f"{seed}:{self.name}"))


@dataclass(frozen=True)
class Scenario:
    name: str
    function: ScenarioFunction
    raw_sql: str
    persona: str
    budget_ms: float | None
    raw_params: RawParams | None
    description: str


_generators: dict[str, Generator] = {}
_scenarios: dict[str, Scenario] = {}


def generator(name: str, *, order: int) -> Callable[[GeneratorFunction], GeneratorFunction]:
    """Register a data generator; generators run by ascending ``order`` (parents before children).

    Leave gaps (teams 10, users 20, clients 100…) so later entities can slot in between.
    """

    def register(function: GeneratorFunction) -> GeneratorFunction:
        _claim(_generators, name, function)
        _generators[name] = Generator(name=name, order=order, function=function)
        return function

    return register


def scenario(
    name: str,
    *,
    raw_sql: str,
    persona: str = SUPERVISOR,
    budget_ms: float | None = None,
    raw_params: RawParams | None = None,
) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a timed scenario.

    ``raw_sql`` is the hand-written SELECT that returns the same page of data in one round trip; its
    named parameters (``%(viewer_id)s``) come from :func:`bench.personas.sql_params` unless
    ``raw_params`` supplies them. ``budget_ms`` is the p95 budget from DESIGN §9, when one applies.
    """
    if persona not in PERSONAS:
        raise ValueError(f"Scenario {name!r}: unknown persona {persona!r}; choose one of {sorted(PERSONAS)}.")

    def register(function: ScenarioFunction) -> ScenarioFunction:
        _claim(_scenarios, name, function)
        _scenarios[name] = Scenario(
            name=name,
            function=function,
            raw_sql=raw_sql,
            persona=persona,
            budget_ms=budget_ms,
            raw_params=raw_params,
            description=_first_line(function.__doc__),
        )
        return function

    return register


def generators() -> list[Generator]:
    """Every generator, in the order they must run."""
    _discover(GENERATOR_PACKAGE)
    return sorted(_generators.values(), key=lambda item: (item.order, item.name))


def scenarios() -> list[Scenario]:
    """Every scenario, in registration order (module by module), which keeps an area's rows together."""
    _discover(SCENARIO_PACKAGE)
    return list(_scenarios.values())


def _claim(registry: Mapping[str, Generator | Scenario], name: str, function: object) -> None:
    existing = registry.get(name)
    if existing is not None and existing.function is not function:
        raise ValueError(f"{name!r} is registered twice: by {existing.function!r} and by {function!r}.")


def _discover(package_name: str) -> None:
    package = importlib.import_module(package_name)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package_name}.{module.name}")


def _first_line(docstring: str | None) -> str:
    return (docstring or "").strip().split("\n", 1)[0]
