"""The new-client wizard (seed 001, "assistant for entering new clients").

Works without JavaScript: the POST validates everything and asks for the duplicate confirmation. With htmx
each field is checked as it is typed (``new_check``) and the duplicate panel is refreshed alongside.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kartoteka.clients.wizard_forms import CHECKED_FIELDS, NewClientForm
from kartoteka.users import access
from kartoteka.users.models import Scope

TEMPLATE = "clients/wizard.html"


def _require_create(request: HttpRequest) -> None:
    if access.scope(request.user, "client", "create") == Scope.NONE:
        raise PermissionDenied


@login_required
def client_new(request: HttpRequest) -> HttpResponse:
    _require_create(request)
    if request.method != "POST":
        form = NewClientForm(user=request.user, initial={"name": request.GET.get("name", "")})  # type: ignore[arg-type]
        return render(request, TEMPLATE, {"form": form, "checks": form.checks})

    form = NewClientForm(request.POST, user=request.user)  # type: ignore[arg-type]
    valid = form.is_valid()
    form.check_duplicates()
    if valid and form.duplicates_confirmed():
        try:
            client = form.create_client()
        except (PermissionDenied, ValidationError):
            pass  # the form now carries the service's errors on their fields
        else:
            messages.success(request, _("Client created: %(name)s.") % {"name": client.display_name})
            return redirect(reverse("clients:card", args=[client.pk]))
    elif valid:
        # Everything else is right: the last step is to look at the duplicates and confirm.
        form.duplicates_need_confirmation = True
    return render(request, TEMPLATE, {"form": form, "checks": form.checks})


@login_required
@require_POST
def client_new_check(request: HttpRequest) -> HttpResponse:
    """Feedback for the field being typed, plus the duplicate panel as an out-of-band swap."""
    _require_create(request)
    form = NewClientForm(request.POST, user=request.user)  # type: ignore[arg-type]
    form.is_valid()
    form.check_duplicates()
    trigger = getattr(request, "htmx", None) and request.htmx.trigger_name  # type: ignore[attr-defined]
    checks = {name: form.field_state(name) for name in CHECKED_FIELDS}
    context: dict[str, Any] = {"form": form, "oob": True, "checks": checks}
    if trigger in ("country", "kind"):
        main = render_to_string(f"{TEMPLATE}#country_fields", context, request=request)
    else:
        name = trigger if trigger in CHECKED_FIELDS else "name"
        main = render_to_string(f"{TEMPLATE}#feedback", {**context, "field_name": name, "check": checks[name]}, request=request)
    duplicates = render_to_string(f"{TEMPLATE}#duplicates", context, request=request)
    return HttpResponse(main + duplicates)
