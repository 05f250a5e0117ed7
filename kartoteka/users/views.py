"""Screens: the people directory, a person's card, the team tree, and the profile."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kartoteka.core.lists import Column, Filter, ListSpec, badge, list_context
from kartoteka.integrations import services as token_services
from kartoteka.integrations.models import ApiToken
from kartoteka.users import access, selectors, services
from kartoteka.users.forms import ApiTokenForm, PreferencesForm
from kartoteka.users.models import Role, Team, User


def _team_choices(user: User) -> list[tuple[str, str]]:
    return [(str(team.pk), "· " * team.depth + team.name) for team in access.visible(user, Team).order_by("path")]


def _role_choices(user: User) -> list[tuple[str, str]]:
    return [(role.code, role.name) for role in Role.objects.order_by("name_en")]


PEOPLE_LIST = ListSpec(
    columns=[
        Column("name", _("Name"), lambda u: u.get_full_name() or u.email, sort="last_name", link=True),
        Column("position", _("Position"), lambda u: u.position, sort="position"),
        Column("team", _("Team"), lambda u: u.team.name if u.team else "", sort="team__name"),
        Column(
            "roles",
            _("Roles"),
            lambda u: format_html_join(
                " ", '<span class="badge text-bg-light border">{}</span>', ((r.name,) for r in u.roles.all())
            ),
        ),
        Column("email", _("Email"), lambda u: u.email, sort="email"),
        Column("status", _("Status"), lambda u: "" if u.is_active else badge(_("inactive"), "secondary"), sort="is_active"),
    ],
    default_sort="name",
    search_fields=["last_name", "first_name", "patronymic", "email", "position"],
    search_placeholder=_("Name, email or position"),
    filters=[
        Filter("team", _("Team"), "team_id", _team_choices),
        Filter("role", _("Role"), "roles__code", _role_choices),
        Filter("active", _("Status"), "is_active", lambda user: [("True", _("active")), ("False", _("inactive"))]),
    ],
    row_url=lambda u: reverse("users:person", args=[u.pk]),
    empty_message=_("Nobody matches. Clear the search or filters."),
)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    if not access.can_use(request.user, ["user"]):
        raise PermissionDenied
    page = list_context(request, selectors.people(viewer=request.user), PEOPLE_LIST)  # type: ignore[arg-type]
    template = "users/people.html#results" if request.htmx else "users/people.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page})


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.person_detail(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    return render(
        request,
        "users/person.html",
        {"person": user, "absences": selectors.person_absences(viewer=request.user, person=user)},  # type: ignore[arg-type]
    )


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    if not access.can_use(request.user, ["team"]):
        raise PermissionDenied
    visible_teams = selectors.with_visible_relations(viewer=request.user, teams=selectors.teams(viewer=request.user))  # type: ignore[arg-type]
    # Indent relative to the highest visible team: a supervisor's own group is not shown as nested.
    top = min((team.depth for team in visible_teams), default=0)
    rows = [(team, min(team.depth - top, 4)) for team in visible_teams]
    return render(request, "users/teams.html", {"rows": rows})


@login_required
def team(request: HttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_detail(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    selectors.with_visible_relations(viewer=request.user, teams=[team])  # type: ignore[arg-type]
    return render(
        request,
        "users/team.html",
        {
            "team": team,
            "members": selectors.team_members(viewer=request.user, team=team),  # type: ignore[arg-type]
            "subteams": selectors.teams(viewer=request.user).filter(parent=team),  # type: ignore[arg-type]
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    preferences = PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone})
    token_form = ApiTokenForm()
    if request.method == "POST" and request.POST.get("form") == "preferences":
        preferences = PreferencesForm(request.POST)
        if preferences.is_valid():
            services.user_update_preferences(
                actor=user,
                user=user,
                language=preferences.cleaned_data["language"],
                time_zone=preferences.cleaned_data["time_zone"],
            )
            messages.success(request, _("Preferences saved."))
            return redirect("users:profile")
    elif request.method == "POST" and request.POST.get("form") == "token":
        token_form = ApiTokenForm(request.POST)
        if token_form.is_valid():
            try:
                token, secret = token_services.api_token_create(
                    actor=user,
                    name=token_form.cleaned_data["name"],
                    scopes=token_form.cleaned_data["scopes"],
                    expires_at=token_form.expires_at(),
                )
            except ValidationError as error:
                # The service speaks of expires_at; the form asks for a date, expires_on.
                for field, field_errors in error.message_dict.items():
                    field = "expires_on" if field == "expires_at" else field
                    token_form.add_error(field if field in token_form.fields else None, field_errors)
            else:
                # The secret is shown exactly once, on the next page view.
                request.session["new_api_token"] = {"id": token.pk, "secret": secret}
                return redirect(reverse("users:profile") + "#api-tokens")
    new_token = request.session.pop("new_api_token", None)
    return render(
        request,
        "users/profile.html",
        {
            "preferences": preferences,
            "token_form": token_form,
            "tokens": ApiToken.objects.filter(user=user),
            "new_token": new_token,
            "mfa_enabled": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
            "roles": user.roles.order_by("name_en"),
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Tokens are strictly personal: only the owner's own tokens are reachable here.
    api_token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    token_services.api_token_revoke(actor=request.user, token=api_token)  # type: ignore[arg-type]
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": api_token.name})
    return redirect(reverse("users:profile") + "#api-tokens")
