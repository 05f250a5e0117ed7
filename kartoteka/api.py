"""The HTTP API: one NinjaAPI at /api/, version 1 under /api/v1/, docs at /api/docs.

Conventions live in docs/api.md. Everything here is plumbing shared by every app's router:
authentication (personal tokens or the browser session), scope checks, the single error schema,
and the JSON renderer that keeps Cyrillic readable.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth
from ninja.types import DictStrAny
from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

from kartoteka.core.errors import DomainError
from kartoteka.integrations.models import ApiToken
from kartoteka.integrations.services import api_token_authenticate

logger = logging.getLogger(__name__)

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"

# Decimals travel as strings ("1234.50") so no client turns money into a float.
DecimalString = Annotated[
    Decimal,
    PlainSerializer(lambda value: format(value, "f"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["1234.50"]}),
]


def _not_a_boolean(value: Any) -> Any:
    # Pydantic would read JSON true as 1: an id must be a number, never a boolean.
    if isinstance(value, bool):
        raise ValueError("an id must be an integer, not true/false")
    return value


# Ids are positive 64-bit integers; larger numbers are a 422, not a database overflow.
Id = Annotated[int, BeforeValidator(_not_a_boolean), Field(ge=1, le=2**63 - 1)]


class UnicodeJSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}


class RepeatedParameter(DomainError):
    status = 422
    code = "repeated_parameter"


class BodyNotAnObject(DomainError):
    status = 400
    code = "bad_request"


class NullCharacter(DomainError):
    status = 422
    code = "null_character"


def _refuse_null_characters(value: Any) -> None:
    # PostgreSQL cannot store U+0000 in text, and no person types it: refuse it up front, everywhere.
    if isinstance(value, str):
        if "\x00" in value:
            raise NullCharacter(_("Text must not contain the NUL character (U+0000)."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_null_characters(key)
            _refuse_null_characters(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_null_characters(item)


class StrictParser(Parser):
    """Refuse ambiguous or unstorable input instead of guessing.

    A body must be a JSON object (otherwise an all-optional schema would take `[]` or `5` as `{}`),
    a single-valued query parameter may appear once (otherwise the last one would silently win),
    and no text may contain U+0000.
    """

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject(_("The request body must be a JSON object."))
        _refuse_null_characters(data)
        return data

    def parse_querydict(self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest) -> DictStrAny:
        for key in data:
            if key not in list_fields and len(data.getlist(key)) > 1:
                raise RepeatedParameter(_("The parameter “%(name)s” is given more than once.") % {"name": key})
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_null_characters(parsed)
        return parsed


class ErrorDetail(Schema):
    field: str | None = Field(None, description="Dotted path of the offending input, when there is one.")
    message: str
    code: str | None = None


class ErrorBody(Schema):
    code: str = Field(description="Machine-readable error code, e.g. not_found, insufficient_scope.")
    message: str = Field(description="Human-readable explanation in the caller's language.")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorOut(Schema):
    error: ErrorBody


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Declare the error responses of an operation so the OpenAPI document lists them.

    400 (unparseable input), 401 (no credentials) and 422 (invalid input) can happen to any operation
    and are always included.
    """
    return dict.fromkeys(sorted({400, 401, 422, *statuses}), ErrorOut)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ktk_…`` with a personal token from the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token.strip())
        if api_token is None:
            return None
        request.user = api_token.user
        # The middleware ran before the token was read: speak the token owner's language from here on.
        if api_token.user.language and translation.check_for_language(api_token.user.language):
            translation.activate(api_token.user.language)
        return api_token


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser session (CSRF-protected): full scopes, still bounded by the access policy."""


def require_scope(request: HttpRequest, area: str, access: str) -> None:
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken) and not auth.allows(area, access):
        raise InsufficientScope(_("This token lacks the %(scope)s scope.") % {"scope": f"{area}:{access}"})


class InsufficientScope(DomainError):
    status = 403
    code = "insufficient_scope"


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return api.create_response(request, body, status=status)


api = NinjaAPI(
    title="Kartoteka API",
    version="1",
    description="The Kartoteka CRM API. Conventions: see docs/api.md in the repository.",
    urls_namespace="api",
    renderer=UnicodeJSONRenderer(),
    parser=StrictParser(),
    auth=[TokenAuth(), BrowserSessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _input_path(loc: list[Any]) -> str | None:
    # ("query", "limit") → "limit"; ("body", "payload", "requisites", "inn") → "requisites.inn": the body's
    # Python parameter name is ours, not the caller's, and service errors name the same path without it.
    parts = list(loc)[2:] if len(loc) > 2 and loc[0] == "body" else list(loc)[1:]
    return ".".join(str(part) for part in parts) or None


@api.exception_handler(NinjaValidationError)
def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "field": _input_path(item.get("loc", [])),
            "message": str(item.get("msg", "")),
            "code": str(item.get("type", "")) or None,
        }
        for item in exc.errors
    ]
    return error_response(request, 422, "validation_error", _("The request did not pass validation."), details)


@api.exception_handler(DjangoValidationError)
def _domain_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    details: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field_name, field_errors in exc.error_dict.items():
            for error in field_errors:
                details.append(
                    {
                        "field": None if field_name == "__all__" else field_name,
                        "message": " ".join(error.messages),
                        "code": error.code,
                    }
                )
    else:
        details = [{"field": None, "message": message, "code": None} for message in exc.messages]
    return error_response(request, 422, "validation_error", _("The request did not pass validation."), details)


def _domain_details(exc: DomainError) -> list[dict[str, Any]]:
    # A rule that needs fields filled first (a stage's required fields) names them in ``missing``: one detail each.
    missing = getattr(exc, "missing", None) or ()
    return [{"field": str(name), "message": _("Fill this in first."), "code": "required"} for name in missing]


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, _domain_details(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "unauthenticated", _("Send a valid personal token as “Authorization: Bearer …” or sign in.")
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You are not allowed to do this."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


api.add_exception_handler(ObjectDoesNotExist, _not_found)  # type: ignore[arg-type]


@api.exception_handler(IntegrityError)
def _integrity(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    logger.info("API write conflicted with a constraint: %s", exc)
    return error_response(request, 409, "conflict", _("The change conflicts with existing data."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        429: "throttled",
    }
    if isinstance(exc.__cause__, DomainError):
        # django-ninja wraps errors raised while reading the body; ours carry their own status and code.
        return _domain(request, exc.__cause__)
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = _("The request body is not valid JSON.")
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), message)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG:
        raise exc
    logger.exception("Unhandled API error")
    return error_response(request, 500, "server_error", _("Something went wrong on our side; it has been logged."))


v1 = Router()


_mounted = False


def mount() -> NinjaAPI:
    """Attach every app's router (once) and return the API; the URL configuration calls it.

    Not done when this module is imported: each app's API imports this module for ``errors()`` and
    ``require_scope()``, and mounting from inside that import would load one app's API while another's
    is half-loaded (their schemas refer to each other).
    """
    global _mounted
    if _mounted:
        return api
    _mounted = True
    from kartoteka.activities.api import router as activities_router
    from kartoteka.attachments.api import router as attachments_router
    from kartoteka.automation.api import router as automation_router
    from kartoteka.clients.api import router as clients_router
    from kartoteka.contacts.api import router as contacts_router
    from kartoteka.customfields.api import router as custom_fields_router
    from kartoteka.deals.api import router as deals_router
    from kartoteka.marketing.api import router as leads_router
    from kartoteka.search.api import router as search_router
    from kartoteka.users.api import router as users_router

    v1.add_router("", users_router)
    v1.add_router("", clients_router)
    v1.add_router("", contacts_router)
    v1.add_router("", attachments_router)
    v1.add_router("", custom_fields_router)
    v1.add_router("", search_router)
    v1.add_router("", activities_router)
    v1.add_router("", deals_router)
    v1.add_router("", leads_router)
    v1.add_router("", automation_router)
    api.add_router("/v1/", v1)
    return api
