"""The client card's Deals panel: open deals first with their next task, then closed ones, "New deal" for
those who may open one, and only deals the viewer may see."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.deals import services
from kartoteka.deals.models import LostReason
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory

pytestmark = pytest.mark.django_db


def panel(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="panel-deals"')
    return html[start : html.index("</section>", start)]


def test_the_panel_lists_open_deals_with_their_next_task_then_closed_ones(world, client_for):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager, name="Vostok Trading")
    lost = DealFactory(client=client, owner=manager, title="Old fence")
    services.deal_lose(actor=manager, deal=lost, reason=LostReason.objects.get(code="price"))
    open_deal = DealFactory(client=client, owner=manager, title="Windows", amount=Decimal(150_000))
    TaskFactory(assignee=manager, client=client, deal=open_deal, due_at=timezone.now() - datetime.timedelta(days=1))
    DealFactory(client=client, owner=world.users["mgr_south"], title="Someone else's")  # not the manager's to see

    response = client_for(manager).get(reverse("clients:card", args=[client.pk]))

    html = panel(response)
    assert html.index("Windows") < html.index("Old fence")
    assert "Someone else" not in html
    assert f'href="{reverse("deals:card", args=[open_deal.pk])}"' in html
    assert "text-danger" in html  # the next task is overdue
    assert f'href="{reverse("deals:new")}?client={client.pk}"' in html


def test_the_panel_says_what_to_do_when_there_are_no_deals_and_readers_get_no_new_deal_link(world, client_for):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    own = panel(client_for(world.users["mgr_north1"]).get(reverse("clients:card", args=[client.pk])))
    assert 'data-testid="deals-empty"' in own
    assert 'data-testid="new-deal"' in own
    marketer = panel(client_for(world.users["marketer"]).get(reverse("clients:card", args=[client.pk])))
    assert 'data-testid="deals-empty"' in marketer
    assert 'data-testid="new-deal"' not in marketer
