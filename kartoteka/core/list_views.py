"""The endpoints every list screen shares: saved views (save, rename, delete, make default) and people pickers.

They are generic views; a list's URLconf passes them what tells one list from another
(:class:`SavedViews`, :class:`PeoplePicker`), e.g.
``path("views/save/", saved_view_save, {"saved": SAVED_VIEWS}, name="saved_view_save")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from kartoteka.core import services as core_services
from kartoteka.core.lists import ListPage, ListSpec, Params, params_from_querystring, querystring
from kartoteka.core.models import SavedView

# --- Saved views ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedViews:
    """The saved views of one list screen, for the generic endpoints below (``path(…, {"saved": …})``).

    ``spec(request, params)`` builds the list's spec, which decides what a saved view keeps;
    ``require_access(request)`` raises PermissionDenied for someone the list is closed to.
    """

    list_key: str  # SavedView.list_key
    list_url: str  # the list's URL name
    spec: Callable[[HttpRequest, Params], ListSpec]
    require_access: Callable[[HttpRequest], None]

    def url(self, view: SavedView) -> str:
        return reverse(self.list_url) + ("?" + querystring(view.params) if view.params else "?reset=1")

    def of_viewer(self, request: HttpRequest) -> list[SavedView]:
        """The viewer's views of this list by name, each with the ``url`` the views menu links to."""
        views = list(SavedView.objects.filter(user_id=request.user.pk or 0, list_key=self.list_key).order_by("name"))
        for view in views:
            view.url = self.url(view)  # type: ignore[attr-defined]
        return views

    def own(self, request: HttpRequest, pk: int) -> SavedView:
        # Only the owner's views exist for a request: another person's id is a 404.
        return get_object_or_404(SavedView, pk=pk, user_id=request.user.pk or 0, list_key=self.list_key)


def default_view_redirect(request: HttpRequest, views: Sequence[SavedView]) -> HttpResponse | None:
    """A list opened without parameters opens with the viewer's default view (``?reset=1`` skips it)."""
    if request.GET:
        return None
    default = next((view for view in views if view.is_default and view.params), None)
    return redirect(f"{request.path}?{querystring(default.params)}") if default is not None else None


def current_view(views: Sequence[SavedView], page: ListPage) -> SavedView | None:
    """The saved view the page shows exactly, if any (the page takes its name as the title)."""
    current = {key: values for key, values in page.params.items() if key != "offset"}
    return next((view for view in views if view.params == current), None)


def _report(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, "; ".join(str(message) for message in error.messages))


@login_required
@require_POST
def saved_view_save(request: HttpRequest, *, saved: SavedViews) -> HttpResponse:
    saved.require_access(request)
    params = params_from_querystring(saved.spec(request, {}), request.POST.get("query", ""))
    try:
        view = core_services.saved_view_save(
            actor=request.user,
            list_key=saved.list_key,
            name=request.POST.get("name", ""),
            params=params,
            is_default=request.POST.get("is_default") == "1",
        )
    except ValidationError as error:
        _report(request, error)
        return redirect(reverse(saved.list_url) + "?" + querystring(params))
    messages.success(request, gettext("View «%(name)s» saved.") % {"name": view.name})
    return redirect(saved.url(view))


@login_required
@require_POST
def saved_view_rename(request: HttpRequest, pk: int, *, saved: SavedViews) -> HttpResponse:
    view = saved.own(request, pk)
    try:
        core_services.saved_view_rename(actor=request.user, view=view, name=request.POST.get("name", ""))
    except ValidationError as error:
        _report(request, error)
    return redirect(saved.url(view))


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int, *, saved: SavedViews) -> HttpResponse:
    view = saved.own(request, pk)
    core_services.saved_view_delete(actor=request.user, view=view)
    messages.success(request, gettext("View «%(name)s» deleted.") % {"name": view.name})
    return redirect(reverse(saved.list_url) + "?reset=1")


@login_required
@require_POST
def saved_view_default(request: HttpRequest, pk: int, *, saved: SavedViews) -> HttpResponse:
    view = saved.own(request, pk)
    is_default = request.POST.get("is_default", "1") == "1"
    core_services.saved_view_set_default(actor=request.user, view=view, is_default=is_default)
    if is_default:
        messages.success(request, gettext("The list now opens with «%(name)s».") % {"name": view.name})
    return redirect(saved.url(view))


# --- People pickers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickerField:
    """One use of a people picker, chosen by the ``field`` parameter."""

    input_name: str
    single: bool = False  # radios of active people (someone to hand work to) instead of checkboxes
    nobody: Any = ""  # the label of a "nobody" option (value "none"), offered while it matches what is typed


@dataclass(frozen=True)
class PeoplePicker:
    """A list's people picker, for ``people_options`` (``path(…, {"picker": …})``).

    ``find(viewer, query, active_only=…)`` returns the people the viewer may see who match what was typed;
    ``fields`` are the picker's uses by their ``field`` parameter (an unknown one is the first); with
    ``single_param``, ``single=1`` asks for one active person whatever the field (a form's picker).
    """

    require_access: Callable[[HttpRequest], None]
    find: Callable[..., Sequence[Any]]
    label: Callable[[Any], str]
    fields: Mapping[str, PickerField]
    single_param: bool = False


@login_required
@require_GET
def people_options(request: HttpRequest, *, picker: PeoplePicker) -> HttpResponse:
    """A few people matching what was typed (``q``), as a picker's options.

    Lists of thousands of people would make a page megabytes; the picker shows the chosen ones and
    fetches the rest from here.
    """
    picker.require_access(request)
    field = picker.fields.get(request.GET.get("field", "")) or next(iter(picker.fields.values()))
    single = field.single or (picker.single_param and request.GET.get("single") == "1")
    query = " ".join(request.GET.get("q", "").split())[:100]
    people = picker.find(request.user, query, active_only=single)
    nobody = str(field.nobody)
    context = {
        "options": [(str(person.pk), picker.label(person), person.email) for person in people],
        "nobody": nobody if nobody and (not query or query.casefold() in nobody.casefold()) else "",
        "input_name": field.input_name,
        "input_type": "radio" if single else "checkbox",
        "query": query,
    }
    return render(request, "core/people_options.html", context)
