"""Rule firings on the timelines: "Rule «Call within 15 minutes»: created task … for Petrova, due 14:15".

The changes a rule makes to a deal or a client are in their change history already (the reason names the
rule); this adds what leaves no trace there — tasks created, notices sent, emails, webhooks, documents —
and the rules that failed. Firings whose conditions were not met are left out: they did nothing.

The deal card shows the deal's firings; the client card, the client's firings that concern no deal
(a class changed, a contract ending, an overdue task on the client). A deal's firings stay on the deal
card, so the client card never tells of a deal its reader may not open.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.automation.rule_models import FiringStatus, RuleFiring
from kartoteka.clients import history as client_history
from kartoteka.clients.history import TimelineEntry, TimelineQuery
from kartoteka.deals import history as deal_history
from kartoteka.deals.models import Deal

KEY = "automation"
RANK = 30  # after activities (20) and tasks (21) of the same moment
TEMPLATE = "automation/timeline_firing.html"
SHOWN = [FiringStatus.DONE, FiringStatus.FAILED]


def _entries(firings: QuerySet[RuleFiring], query: TimelineQuery) -> list[TimelineEntry]:
    rows = (
        firings.filter(status__in=SHOWN)
        .filter(query.older_than(RANK, "fired_at", "id"))
        .select_related("rule", "deal")
        .order_by("-fired_at", "-id")[: query.count]
    )
    return [
        query.entry(
            when=firing.fired_at,
            rank=RANK,
            pk=firing.pk,
            kind=KEY,
            title=firing.rule.name,
            who=_("automation"),
            user_id=None,
            template=TEMPLATE,
            obj=firing,
        )
        for firing in rows
    ]


def deal_entries(deal: Deal, query: TimelineQuery) -> list[TimelineEntry]:
    return _entries(RuleFiring.objects.filter(deal=deal), query)


def client_entries(query: TimelineQuery) -> list[TimelineEntry]:
    return _entries(RuleFiring.objects.filter(client=query.client, deal__isnull=True), query)


deal_history.register_source(deal_history.DealTimelineSource(key=KEY, label=gettext_lazy("Automation"), entries=deal_entries))
client_history.register_source(
    client_history.TimelineSource(key=KEY, label=gettext_lazy("Automation"), rank=RANK, entries=client_entries)
)
