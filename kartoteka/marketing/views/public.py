"""The public side of a web form: the page a site embeds (an iframe) or posts to from its own form.

No session, no CSRF token (the form lives on another site): a hidden honeypot field and a per-address
rate limit keep robots out. Whatever arrives is stored before it is judged (see services).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kartoteka.core.errors import DomainError
from kartoteka.marketing import intake, services
from kartoteka.marketing.models import WebForm


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged; a proxy in front sets REMOTE_ADDR right.
    return request.META.get("REMOTE_ADDR") or None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _embeddable(response: HttpResponse, form: WebForm) -> HttpResponse:
    """Any site may frame the form; it may post to us and, after a post, redirect to the form's page."""
    form_action: list[str] = [CSP.SELF]
    if form.redirect_url:
        parts = urlsplit(form.redirect_url)
        form_action.append(f"{parts.scheme}://{parts.netloc}")
    response._csp_config = {  # type: ignore[attr-defined]  # Django's per-response CSP override
        "default-src": [CSP.SELF],
        "script-src": [CSP.SELF, CSP.NONCE],
        "style-src": [CSP.SELF, CSP.NONCE],
        "img-src": [CSP.SELF, "data:"],
        "form-action": form_action,
        "frame-ancestors": ["*"],
        "base-uri": [CSP.SELF],
        "object-src": [CSP.NONE],
    }
    return response


def _page(request: HttpRequest, form: WebForm, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(
        request, "marketing/public_form.html", {"form": form, "honeypot": services.HONEYPOT, **context}, status=status
    )
    return _embeddable(response, form)


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, key: str) -> HttpResponse:
    form = get_object_or_404(WebForm.objects.prefetch_related("fields"), key=key)
    if not form.is_active:
        return _page(request, form, {"closed": True}, status=410)
    if request.method == "GET":
        return _page(request, form, {"values": {}, "errors": {}})
    try:
        received = intake.read_request(request)
    except (RequestDataTooBig, TooManyFieldsSent):
        return _reply(request, form, {"form": [_("The form is too large to send. Please shorten your message.")]}, status=413)
    except ValueError:
        return _reply(request, form, {"form": [_("Send the form as a web form (URL-encoded or multipart).")]}, status=415)
    try:
        result = services.submission_receive(
            form=form,
            values=received.values,
            raw_body=received.raw_body,
            content_type=received.content_type,
            encoding=received.encoding,
            remote_ip=_client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            referer=request.headers.get("Referer", ""),
        )
    except services.RateLimited as error:
        return _reply(request, form, {"form": [error.message]}, status=429)
    except DomainError as error:
        return _reply(request, form, {"form": [error.message]}, status=400)
    if result.errors:
        values = {key: (value[0] if isinstance(value, list) and value else value) for key, value in received.values.items()}
        return _reply(request, form, result.errors, status=400, values=values)
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": form.thank_you_text or _("Thank you! We will contact you soon.")})
    if form.redirect_url:
        return HttpResponseRedirect(form.redirect_url, status=303)
    return _page(request, form, {"thanks": True})


def _reply(
    request: HttpRequest, form: WebForm, errors: dict[str, list[str]], *, status: int, values: dict[str, Any] | None = None
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})
    return _page(request, form, {"values": values or {}, "errors": errors}, status=status)
