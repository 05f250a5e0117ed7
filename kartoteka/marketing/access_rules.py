"""Who sees web forms and lead submissions: the "lead" scope of a role (marketers and sales heads).

Submissions hold strangers' personal data as they typed it, so they are not "own" or "team" to
anyone: a role sees all of them or none. The deals and clients a submission created follow their
own policies.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kartoteka.marketing.models import LeadSubmission, WebForm, WebFormField
from kartoteka.users import access
from kartoteka.users.models import User

LEAD = "lead"


class AllOrNothingPolicy(access.EntityPolicy):
    def __init__(self, *, model: type[models.Model]) -> None:
        super().__init__(key=LEAD, label=_("Web forms and leads"), model=model, owner_field=None, team_field=None)

    def own_q(self, user: User) -> Q:
        return Q()

    def team_q(self, user: User, team_ids: frozenset[int]) -> Q:
        return Q()

    def is_own(self, user: User, obj: models.Model) -> bool:
        return True

    def in_team(self, user: User, obj: models.Model, team_ids: frozenset[int]) -> bool:
        return True


for model in (WebForm, WebFormField, LeadSubmission):
    access.register(AllOrNothingPolicy(model=model))
