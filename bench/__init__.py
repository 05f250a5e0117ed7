"""Kartoteka's benchmark harness: a synthetic data set and timed scenarios (DESIGN §9).

``manage.py bench_data --scale S`` fills the database through the registered generators;
``python -m bench`` runs the registered scenarios against it and compares each with its raw SQL.
Both registries are open: a module in ``bench/generators/`` or ``bench/scenarios/`` that uses
the decorators below is picked up without touching any central list. See ``bench/README.md``.
"""

from bench.registry import generator, scenario

__all__ = ["generator", "scenario"]
