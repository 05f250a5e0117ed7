"""The funnel's configuration in the API, read-only: pipelines with their stages, and the reasons for losing.

Administrators change pipelines and stages in the web interface (``deals.services.pipeline_save`` and
friends); whoever may read any deal reads all of them.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from kartoteka.api import Id, errors, require_scope
from kartoteka.clients.api.common import actor_of
from kartoteka.clients.api.references import LocalizedNamesOut
from kartoteka.clients.api.schemas import TeamRefOut
from kartoteka.core.models import LocalizedNameModel
from kartoteka.deals.api.schemas import (
    LostReasonList,
    LostReasonOut,
    PipelineFilters,
    PipelineList,
    PipelineOut,
    ReasonFilters,
    StageOut,
)
from kartoteka.deals.models import LostReason, Pipeline, Stage
from kartoteka.users import access
from kartoteka.users.models import User

AREA = "deals"  # the token scope area of deals, pipelines and reasons for losing

router = Router(tags=["pipelines"])


def names_out(entry: LocalizedNameModel) -> LocalizedNamesOut:
    return LocalizedNamesOut(en=entry.name_en, ru=entry.name_ru, uk=entry.name_uk, ro=entry.name_ro)


def stage_out(stage: Stage) -> StageOut:
    return StageOut(
        id=stage.pk,
        code=stage.code,
        name=stage.name,
        names=names_out(stage),
        order=stage.order,
        kind=stage.kind,  # type: ignore[arg-type]
        probability=stage.probability,
        colour=stage.colour,
        max_minutes=stage.max_minutes,
        required_fields=list(stage.required_fields or []),
        is_active=stage.is_active,
    )


def pipeline_out(pipeline: Pipeline) -> PipelineOut:
    return PipelineOut(
        id=pipeline.pk,
        code=pipeline.code,
        name=pipeline.name,
        names=names_out(pipeline),
        team=None if pipeline.team is None else TeamRefOut(id=pipeline.team.pk, name=pipeline.team.name),
        currency=pipeline.currency,
        order=pipeline.order,
        is_active=pipeline.is_active,
        stages=[stage_out(stage) for stage in pipeline.stages.all()],
    )


def _pipelines(actor: User) -> QuerySet[Pipeline]:
    # One query for the pipelines with their team, one for every stage of them.
    return (
        access.visible(actor, Pipeline)
        .select_related("team")
        .prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))
        .order_by("order", "id")
    )


@router.get("/pipelines", response={200: PipelineList, **errors(401, 403)}, summary="Pipelines with their stages")
def pipelines_list(request: HttpRequest, filters: Query[PipelineFilters]) -> PipelineList:
    """In the order the kanban offers them; stages in funnel order, retired stages included (old deals name them)."""
    require_scope(request, AREA, "read")
    pipelines = _pipelines(actor_of(request))
    if not filters.include_inactive:
        pipelines = pipelines.filter(is_active=True)
    return PipelineList(items=[pipeline_out(pipeline) for pipeline in pipelines])


@router.get("/pipelines/{pipeline_id}", response={200: PipelineOut, **errors(401, 403, 404)}, summary="A pipeline")
def pipelines_get(request: HttpRequest, pipeline_id: Id) -> PipelineOut:
    require_scope(request, AREA, "read")
    return pipeline_out(access.get_visible_or_404(actor_of(request), _pipelines(actor_of(request)), pk=pipeline_id))


@router.get(
    "/lost-reasons",
    response={200: LostReasonList, **errors(401, 403)},
    summary="Why a deal can be lost (read-only: administrators edit the list in the administration site)",
)
def lost_reasons_list(request: HttpRequest, filters: Query[ReasonFilters]) -> LostReasonList:
    require_scope(request, AREA, "read")
    entries = LostReason.objects.order_by("order", "name_en", "id")
    if filters.active is not None:
        entries = entries.filter(is_active=filters.active)
    return LostReasonList(
        items=[
            LostReasonOut(
                id=entry.pk,
                code=entry.code,
                name=entry.name,
                names=names_out(entry),
                is_active=entry.is_active,
                order=entry.order,
            )
            for entry in entries
        ]
    )
