"""The deals generator: idempotent, topped up at a larger scale, and consistent the way the services keep deals.

Nothing here asserts a duration: performance is shown by `make bench`, never by timed tests.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, OuterRef, Subquery

from bench.generators.deals import PROJECTS_PIPELINE
from bench.personas import MANAGER, PERSONAS, SUPERVISOR
from kartoteka.activities.models import Task
from kartoteka.deals import selectors
from kartoteka.deals.models import Deal, DealStatus, Pipeline, StageChange, StageKind
from kartoteka.deals.services import missing_requirements
from kartoteka.users.models import User

pytestmark = pytest.mark.django_db

TINY = 0.002  # 200 clients: about 400 deals
GENERATORS = ["teams", "users", "clients", "contacts", "activities", "deals"]


def generate(scale: float) -> None:
    call_command("bench_data", scale=scale, seed=7, only=GENERATORS, stdout=StringIO())


def row_counts() -> dict[str, int]:
    return {"deals": Deal.objects.count(), "changes": StageChange.objects.count(), "pipelines": Pipeline.objects.count()}


def test_generating_deals_twice_at_the_same_scale_creates_nothing_new():
    generate(TINY)
    first = row_counts()

    generate(TINY)

    assert row_counts() == first
    assert 280 <= first["deals"] <= 560  # about two per client
    assert 2.3 <= first["changes"] / first["deals"] <= 3.8  # about three stage changes per deal


def test_a_larger_scale_gives_deals_to_the_new_clients_only():
    generate(TINY)
    before = list(Deal.objects.order_by("pk").values_list("client_id", "title", "stage_id", "amount"))

    generate(TINY * 5)
    topped_up = row_counts()
    generate(TINY * 5)

    assert row_counts() == topped_up
    assert topped_up["deals"] > 4 * len(before)
    assert list(Deal.objects.order_by("pk").values_list("client_id", "title", "stage_id", "amount")[: len(before)]) == before


def test_bench_deals_are_what_the_services_would_have_kept():
    generate(TINY)
    deals = Deal.objects.select_related("stage")

    statuses = dict(deals.values("status").annotate(n=Count("id")).values_list("status", "n"))
    assert 0.15 < (statuses.get(DealStatus.WON, 0) + statuses.get(DealStatus.LOST, 0)) / deals.count() < 0.45
    for deal in deals:
        assert deal.status == (DealStatus.OPEN if deal.stage.kind == StageKind.OPEN else deal.stage.kind)
        assert (deal.closed_at is None) == deal.is_open
        assert (deal.lost_reason_id is not None) == (deal.status == DealStatus.LOST)
        assert missing_requirements(deal, deal.stage) == []
        assert deal.owner_id == deal.client.responsible_id
    # The deal entered its stage when its last stage change says, and that change led to its stage.
    last = StageChange.objects.filter(deal=OuterRef("pk")).order_by("-changed_at", "-id")
    latest = deals.annotate(last_to=Subquery(last.values("to_stage_id")[:1]), last_at=Subquery(last.values("changed_at")[:1]))
    assert not latest.exclude(last_to=F("stage_id")).exists()
    assert not latest.exclude(last_at=F("stage_entered_at")).exists()
    first_entries = StageChange.objects.filter(from_stage__isnull=True)
    assert first_entries.count() == deals.count()
    assert not first_entries.exclude(seconds_in_stage__isnull=True).exists()
    assert not StageChange.objects.filter(from_stage__isnull=False, seconds_in_stage__isnull=True).exists()
    # Deals with line items have their total as the amount.
    for deal in deals.filter(lines__isnull=False).distinct().prefetch_related("lines"):
        assert deal.amount == sum(line.total for line in deal.lines.all())
    # Contact persons are the client's own; next steps are tasks on the deal's client.
    assert not deals.filter(deal_contacts__isnull=False).exclude(deal_contacts__contact__client_id=F("client_id")).exists()
    linked = Task.objects.filter(deal__isnull=False)
    assert linked.exists()
    assert not linked.exclude(client_id=F("deal__client_id")).exists()
    assert linked.values("deal_id").annotate(n=Count("id")).aggregate(most=Max("n"))["most"] == 1


def test_the_supervisor_sees_the_projects_funnel_and_the_manager_has_deals_to_move():
    generate(TINY)
    supervisor = User.objects.get(email=PERSONAS[SUPERVISOR].email)
    board = selectors.kanban(supervisor, Pipeline.objects.get(code=PROJECTS_PIPELINE))
    assert board.count > 10  # about 2,000 open deals at scale 1
    assert [column.stage.code for column in board.columns][:2] == ["new", "qualification"]
    manager = User.objects.get(email=PERSONAS[MANAGER].email)
    assert selectors.visible_deals(manager).filter(owner=manager, status=DealStatus.OPEN).exists()
