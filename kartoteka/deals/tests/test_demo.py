"""Demo deals and the window-installation configuration: made once, usable at once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kartoteka.automation.models import Rule
from kartoteka.deals.demo import WINDOWS, demo_deals
from kartoteka.deals.models import Deal, DealStatus, Pipeline
from kartoteka.marketing.models import WebForm

pytestmark = pytest.mark.django_db


def test_demo_deals_fill_the_funnel_and_set_up_the_window_installers_once():
    call_command("demo_data", "--only", "clients", verbosity=0)
    first = demo_deals()
    assert first.deals >= 50
    assert first.rules == 7
    assert first.forms == 1
    statuses = set(Deal.objects.values_list("status", flat=True))
    assert statuses == {DealStatus.OPEN, DealStatus.WON, DealStatus.LOST}
    assert Deal.objects.filter(lost_reason__isnull=False).exists()
    assert Deal.objects.filter(lines__isnull=False).exists()
    windows = Pipeline.objects.get(code=WINDOWS)
    assert [stage.code for stage in windows.stages.order_by("order")] == [
        "first-call", "measurement", "approval", "payment", "installation", "won", "lost",
    ]  # fmt: skip
    form = WebForm.objects.get()
    assert form.pipeline == windows
    assert form.queue.members.count() == 2
    again = demo_deals()
    assert (again.deals, again.rules, again.forms) == (0, 0, 0)
    assert Rule.objects.count() == 7
