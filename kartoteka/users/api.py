"""API endpoints for the current user, users and teams. Every read goes through the access policy."""

from __future__ import annotations

from typing import Literal, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kartoteka.api import Id, errors, require_scope
from kartoteka.core.pagination import keyset_page
from kartoteka.core.text import matches_all_words
from kartoteka.users import access, selectors, services
from kartoteka.users.models import Team, User, language_choices, timezone_choices

router = Router(tags=["users"])

MAX_LIMIT = 200


class TeamRef(Schema):
    id: int
    name: str


class RoleOut(Schema):
    code: str
    name: str


class UserOut(Schema):
    id: int
    email: str
    last_name: str
    first_name: str
    patronymic: str
    full_name: str
    position: str
    phone: str
    is_active: bool
    team: TeamRef | None
    roles: list[RoleOut]

    @staticmethod
    def from_user(user: User) -> UserOut:
        return UserOut(
            id=user.pk,
            email=user.email,
            last_name=user.last_name,
            first_name=user.first_name,
            patronymic=user.patronymic,
            full_name=user.get_full_name(),
            position=user.position,
            phone=user.phone,
            is_active=user.is_active,
            team=TeamRef(id=user.team.pk, name=user.team.name) if user.team else None,
            roles=[RoleOut(code=role.code, name=role.name) for role in user.roles.all()],
        )


class ScopeOut(Schema):
    entity: str
    read: Literal["none", "own", "team", "all"]
    write: Literal["none", "own", "team", "all"]


class MeOut(UserOut):
    language: str
    time_zone: str
    is_administrator: bool
    scopes: list[ScopeOut]


class MeUpdate(Schema):
    language: str | None = Field(None, description="One of the interface languages: ru, en, uk, ro.")
    time_zone: str | None = Field(None, description="An IANA time zone name, e.g. Europe/Moscow.")


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class UserFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Fragment of name or email.")
    team: Id | None = Field(None, description="Team id: members of this team only.")
    role: str | None = Field(None, max_length=50, description="Role code, e.g. manager.")
    is_active: bool | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    head_id: int | None
    depth: int
    member_count: int


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None


class TeamFilters(Schema):
    parent: Id | None = Field(None, description="Direct children of this team.")
    q: str | None = Field(None, max_length=200)
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class TeamCreate(Schema):
    name: str = Field(min_length=1, max_length=150)
    kind: Literal["department", "group"] = "group"
    parent_id: Id | None = None
    head_id: Id | None = None


class TeamUpdate(Schema):
    name: str | None = Field(None, min_length=1, max_length=150)
    kind: Literal["department", "group"] | None = None
    parent_id: Id | None = Field(None, description="Move under this team. Use move_to_root to make it top-level.")
    move_to_root: bool = False
    head_id: Id | None = None


def _actor(request: HttpRequest) -> User:
    """The authenticated caller (every operation here requires authentication)."""
    return cast(User, request.user)


ScopeName = Literal["none", "own", "team", "all"]
SCOPE_NAMES: tuple[ScopeName, ...] = ("none", "own", "team", "all")


def _scope_name(value: int) -> ScopeName:
    return SCOPE_NAMES[value]


def _me(user: User) -> MeOut:
    base = UserOut.from_user(user).model_dump()
    return MeOut(
        **base,
        language=user.language,
        time_zone=user.time_zone,
        is_administrator=access.is_administrator(user),
        scopes=[
            ScopeOut(entity=key, read=_scope_name(access.scope(user, key)), write=_scope_name(access.scope(user, key, "change")))
            for key, _label in access.entity_choices()
        ],
    )


def _team_out(team: Team) -> TeamOut:
    return TeamOut(
        id=team.pk,
        name=team.name,
        kind=team.kind,
        parent_id=team.parent_id,
        head_id=team.head_id,
        depth=team.depth,
        member_count=getattr(team, "member_count", 0),
    )


@router.get("/me", response={200: MeOut, **errors(401)}, summary="The current user, with roles and access scopes")
def me(request: HttpRequest) -> MeOut:
    require_scope(request, "account", "read")
    user = selectors.people(viewer=_actor(request)).get(pk=_actor(request).pk)
    return _me(user)


@router.patch("/me", response={200: MeOut, **errors(401, 403, 422)}, summary="Change own language or time zone")
def me_update(request: HttpRequest, payload: MeUpdate) -> MeOut:
    require_scope(request, "account", "write")
    problems: dict[str, ValidationError] = {}
    if payload.language is not None and payload.language not in dict(language_choices()):
        problems["language"] = ValidationError(_("Unknown language."), code="invalid")
    if payload.time_zone is not None and payload.time_zone not in dict(timezone_choices()):
        problems["time_zone"] = ValidationError(_("Unknown time zone."), code="invalid")
    if problems:
        raise ValidationError(problems)
    user = _actor(request)
    services.user_update_preferences(actor=user, user=user, language=payload.language, time_zone=payload.time_zone)
    return _me(selectors.people(viewer=user).get(pk=user.pk))


@router.get("/users", response={200: UserPage, **errors(400, 401, 403, 422)}, summary="Users you may see")
def users_list(request: HttpRequest, filters: Query[UserFilters]) -> UserPage:
    require_scope(request, "users", "read")
    qs = selectors.people(viewer=_actor(request))
    if filters.q:
        qs = qs.filter(matches_all_words(["last_name", "first_name", "email"], filters.q))
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.role:
        qs = qs.filter(roles__code=filters.role)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    page = keyset_page(qs, order=["last_name", "first_name", "id"], limit=filters.limit, cursor=filters.cursor)
    return UserPage(items=[UserOut.from_user(user) for user in page.items], next_cursor=page.next_cursor)


@router.get("/users/{user_id}", response={200: UserOut, **errors(401, 403, 404)}, summary="One user")
def users_get(request: HttpRequest, user_id: Id) -> UserOut:
    require_scope(request, "users", "read")
    return UserOut.from_user(selectors.person_detail(viewer=_actor(request), pk=user_id))


@router.get("/teams", response={200: TeamPage, **errors(400, 401, 403, 422)}, summary="Teams you may see, in tree order")
def teams_list(request: HttpRequest, filters: Query[TeamFilters]) -> TeamPage:
    require_scope(request, "users", "read")
    qs = selectors.teams(viewer=_actor(request))
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.q:
        qs = qs.filter(matches_all_words(["name"], filters.q))
    page = keyset_page(qs, order=["path", "id"], limit=filters.limit, cursor=filters.cursor)
    return TeamPage(items=[_team_out(team) for team in page.items], next_cursor=page.next_cursor)


@router.get("/teams/{team_id}", response={200: TeamOut, **errors(401, 403, 404)}, summary="One team")
def teams_get(request: HttpRequest, team_id: Id) -> TeamOut:
    require_scope(request, "users", "read")
    return _team_out(selectors.team_detail(viewer=_actor(request), pk=team_id))


def _visible_user_or_none(request: HttpRequest, user_id: Id | None) -> User | None:
    if user_id is None:
        return None
    return access.get_visible_or_404(_actor(request), User, pk=user_id)


@router.post("/teams", response={201: TeamOut, **errors(401, 403, 404, 409, 422)}, summary="Create a team")
def teams_create(request: HttpRequest, payload: TeamCreate) -> Status[TeamOut]:
    require_scope(request, "users", "write")
    parent = selectors.team_detail(viewer=_actor(request), pk=payload.parent_id) if payload.parent_id is not None else None
    team = services.team_create(
        actor=_actor(request),
        name=payload.name,
        kind=payload.kind,
        parent=parent,
        head=_visible_user_or_none(request, payload.head_id),
    )
    return Status(201, _team_out(selectors.team_detail(viewer=_actor(request), pk=team.pk)))


@router.patch("/teams/{team_id}", response={200: TeamOut, **errors(401, 403, 404, 409, 422)}, summary="Change a team")
def teams_update(request: HttpRequest, team_id: Id, payload: TeamUpdate) -> TeamOut:
    require_scope(request, "users", "write")
    team = selectors.team_detail(viewer=_actor(request), pk=team_id)
    changes: dict[str, object] = {}
    if payload.move_to_root:
        changes["parent"] = None
    elif payload.parent_id is not None:
        changes["parent"] = selectors.team_detail(viewer=_actor(request), pk=payload.parent_id)
    if "head_id" in payload.model_fields_set:
        changes["head"] = _visible_user_or_none(request, payload.head_id)
    services.team_update(actor=_actor(request), team=team, name=payload.name, kind=payload.kind, **changes)
    return _team_out(selectors.team_detail(viewer=_actor(request), pk=team_id))


@router.delete("/teams/{team_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete an empty team")
def teams_delete(request: HttpRequest, team_id: Id) -> Status[None]:
    require_scope(request, "users", "write")
    team = selectors.team_detail(viewer=_actor(request), pk=team_id)
    services.team_delete(actor=_actor(request), team=team)
    return Status(204, None)
