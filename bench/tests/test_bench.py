"""The harness itself: the generators are idempotent and every scenario runs and counts its queries.

Nothing here asserts a duration: performance is shown by `make bench`, never by timed tests.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from bench import cli, registry
from bench.generators.users import TEAM_PREFIX
from bench.personas import EMAIL_DOMAIN
from kartoteka.users.models import Team, User

pytestmark = pytest.mark.django_db

TINY = 0.002  # 2 teams, 10 people plus the personas


def generate(scale: float, *, only: list[str] | None = None) -> None:
    call_command("bench_data", scale=scale, seed=7, only=only, stdout=StringIO())


def bench_row_counts() -> dict[str, int]:
    bench_users = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
    return {
        "teams": Team.objects.filter(name__startswith=TEAM_PREFIX).count(),
        "users": bench_users.count(),
        "role_links": User.roles.through.objects.filter(user__in=bench_users).count(),
        "team_heads": Team.objects.filter(name__startswith=TEAM_PREFIX, head__isnull=False).count(),
    }


def test_generating_twice_at_the_same_scale_creates_nothing_new():
    generate(TINY)
    first = bench_row_counts()

    generate(TINY)

    assert bench_row_counts() == first
    assert first == {"teams": 2, "users": 14, "role_links": 14, "team_heads": 2}


def test_a_larger_scale_tops_up_without_duplicates():
    generate(TINY)
    generate(TINY * 10)
    topped_up = bench_row_counts()

    generate(TINY * 10)

    assert bench_row_counts() == topped_up
    assert topped_up == {"teams": 4, "users": 104, "role_links": 104, "team_heads": 4}


def test_the_same_seed_gives_the_same_people():
    # Only the people: later generators' rows (clients) point at them and would protect them from deletion.
    generate(TINY, only=["teams", "users"])
    first = list(
        User.objects.filter(email__startswith="bench-user-").order_by("email").values_list("email", "last_name", "team__name")
    )
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()

    generate(TINY, only=["teams", "users"])

    assert (
        list(
            User.objects.filter(email__startswith="bench-user-").order_by("email").values_list("email", "last_name", "team__name")
        )
        == first
    )


@pytest.mark.parametrize("name", [scenario.name for scenario in registry.scenarios()])
def test_scenario_runs_against_the_bench_data_and_counts_its_queries(name, tmp_path):
    generate(TINY)
    output = tmp_path / "latest.json"

    [result] = cli.run(["--runs", "2", "--warmup", "1", "--only", name, "--output", str(output)])

    assert result.scenario == name
    assert result.runs == 2
    assert result.median_ms > 0
    assert result.queries > 0
    assert result.raw_median_ms > 0
    assert result.raw_rows > 0  # the hand-written SQL is valid and finds the same data
    written = json.loads(output.read_text(encoding="utf-8"))
    assert [item["scenario"] for item in written["scenarios"]] == [name]
    assert written["scenarios"][0]["queries"] == result.queries
