"""Types and helpers the clients and contacts API modules share: bounded inputs, references, errors, paging."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from kartoteka.api import DECIMAL_PATTERN
from kartoteka.clients.models import Client
from kartoteka.contacts.models import ContactPoint, ContactPointKind
from kartoteka.contacts.normalize import format_phone
from kartoteka.core.models import ReferenceList
from kartoteka.core.pagination import InvalidCursor, keyset_page
from kartoteka.customfields.api import CustomFieldValues
from kartoteka.users import access
from kartoteka.users.models import User

MAX_LIMIT = 200
AREA = "clients"  # the token scope area of clients, contacts and reference lists


def absent(**constraints: Any) -> Any:
    """An optional input that may be left out but not sent as null (PATCH bodies, optional lists).

    The default None means "not given" and is never validated; a JSON null is refused like any other wrong type.
    """
    return Field(None, **constraints)


def _decimal_text(value: Any) -> Any:
    # Money travels as a string: a JSON number would already have been rounded by the caller's float.
    if value is None or isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or len(value) > 40 or not re.fullmatch(DECIMAL_PATTERN, value):
        raise ValueError('a decimal is a string of digits with an optional fraction, like "1234.50"')
    return value


DecimalIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "maxLength": 40, "examples": ["1234.50"]}),
]


def _reasonable_moment(value: datetime.datetime) -> datetime.datetime:
    # Year 1 with a positive offset underflows when converted to UTC for the database: refuse it as input.
    if not 1900 <= value.year <= 9000:
        raise ValueError("the year must be between 1900 and 9000")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)  # docs/api.md: date-times are UTC unless stated
    return value


def _iso_text(value: Any) -> Any:
    # Pydantic would read 0.5 or 1700000000 as a Unix timestamp; the documented format is ISO 8601.
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date-time is ISO 8601 text, like 2026-03-12T14:05:00+03:00")
    if isinstance(value, int | float):
        raise ValueError("a date-time is ISO 8601 text, like 2026-03-12T14:05:00+03:00")
    return value


Moment = Annotated[datetime.datetime, BeforeValidator(_iso_text), AfterValidator(_reasonable_moment)]
Code = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$", description="A reference list code.")]
CodeList = Annotated[
    str,
    Field(
        max_length=500,
        pattern=r"^[-a-zA-Z0-9_]+(,[-a-zA-Z0-9_]+)*$",
        description="One code or several separated by commas (any of them matches).",
    ),
]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. RU.")]
CurrencyCode = Annotated[str, Field(pattern=r"^([A-Z]{3})?$", description="ISO 4217, e.g. RUB; empty for none.")]
TagName = Annotated[str, Field(max_length=60)]
Count = Annotated[int, Field(ge=0, le=2_147_483_647)]
LongText = Annotated[str, Field(max_length=10_000)]

# One contract for custom field values, owned by the custom fields app (GET /custom-fields describes them).
CustomFieldsIn = CustomFieldValues


class RefOut(Schema):
    """A reference list entry as it appears on a record."""

    id: int
    code: str
    name: str


class UserRefOut(Schema):
    id: int
    name: str


class ContactPointOut(Schema):
    id: int
    client_id: int
    contact_id: int | None = Field(description="Null for the client's own phones and emails.")
    kind: str
    label: str
    value: str = Field(description="E.164 for phones, lower-case address for emails, @handle or E.164 for messengers.")
    display: str = Field(description="The value formatted for people (+7 495 123-45-67).")
    extension: str
    is_primary: bool


PointKindName = Literal["phone", "email", "telegram", "whatsapp", "viber"]
PointLabelName = Literal["work", "mobile", "home", "fax", "other"]


class ContactPointIn(Schema):
    kind: PointKindName
    label: PointLabelName = "work"
    value: str = Field(min_length=1, max_length=255, description="A phone in any format, an email, or a @handle.")
    extension: str = Field("", max_length=10)
    is_primary: bool = False


def actor_of(request: HttpRequest) -> User:
    """The authenticated caller (every operation here requires authentication)."""
    return cast(User, request.user)


@contextmanager
def input_names(rename: Callable[[str], str], *, default: str | None = None) -> Iterator[None]:
    """Report a service's validation errors under the names the caller sent (``requisites.inn``, ``addresses.0.street``).

    ``default`` names the input of an error that carries no field.
    """
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            if default is None:
                raise
            raise ValidationError({default: error.error_list}) from None
        renamed: dict[str, list[ValidationError]] = {}
        for name, problems in error.error_dict.items():
            key = (default or NON_FIELD_ERRORS) if name == NON_FIELD_ERRORS else rename(name)
            renamed.setdefault(key, []).extend(problems)
        raise ValidationError(renamed) from None  # type: ignore[arg-type]


def prefixed(prefix: str) -> Callable[[str], str]:
    return lambda name: f"{prefix}.{name}"


def resolve_codes(
    values: Mapping[str, str | None], lists: Mapping[str, type[ReferenceList]], *, current: models.Model | None = None
) -> dict[str, Any]:
    """Reference entries for the codes given (None clears). A deactivated entry is refused unless already set."""
    resolved: dict[str, Any] = {}
    problems: dict[str, ValidationError] = {}
    for name, code in values.items():
        if code is None:
            resolved[name] = None
            continue
        entry = lists[name]._default_manager.filter(code=code).first()
        if entry is None:
            problems[name] = ValidationError(_("Unknown code “%(code)s”.") % {"code": code}, code="unknown")
        elif not entry.is_active and (current is None or getattr(current, f"{name}_id") != entry.pk):
            problems[name] = ValidationError(_("“%(code)s” is no longer in use.") % {"code": code}, code="inactive")
        else:
            resolved[name] = entry
    if problems:
        raise ValidationError(problems)  # type: ignore[arg-type]
    return resolved


def not_found(field: str) -> ValidationError:
    # Same words for "missing" and "not yours": a body must not become a way to probe ids.
    return ValidationError({field: ValidationError(_("Not found."), code="not_found")})


def visible_client_for_input(actor: User, client_id: int, field: str = "client_id") -> Client:
    client = access.visible(actor, Client).filter(pk=client_id).first()
    if client is None:
        raise not_found(field)
    return client


def ref_out(entry: ReferenceList | None) -> RefOut | None:
    return None if entry is None else RefOut(id=entry.pk, code=entry.code, name=entry.name)


def user_ref(user: User | None) -> UserRefOut | None:
    return None if user is None else UserRefOut(id=user.pk, name=user.get_full_name() or user.email)


def point_out(point: ContactPoint) -> ContactPointOut:
    return ContactPointOut(
        id=point.pk,
        client_id=point.client_id,
        contact_id=point.contact_id,
        kind=point.kind,
        label=point.label,
        value=point.value,
        display=format_phone(point.value) if point.kind == ContactPointKind.PHONE else point.value,
        extension=point.extension,
        is_primary=point.is_primary,
    )


def paginate[ModelT: models.Model](
    queryset: QuerySet[ModelT], *, sort: str, order: list[str], limit: int, cursor: str | None
) -> tuple[list[ModelT], str | None]:
    """Keyset pagination whose cursors remember the sort they were issued for.

    A cursor of another sort (or a tampered one) would otherwise compare a name with a date: 400, not a 500 or 422.
    """
    inner = None
    if cursor:
        tag, _sep, inner = cursor.partition(".")
        if tag != sort or not inner:
            raise InvalidCursor(_("The cursor does not belong to this list or sort order."))
    try:
        page = keyset_page(queryset, order=order, limit=limit, cursor=inner)
    except (ValidationError, ValueError, TypeError, OverflowError):
        raise InvalidCursor(_("The cursor does not belong to this list or sort order.")) from None
    return page.items, (f"{sort}.{page.next_cursor}" if page.next_cursor else None)


def same_text(field: str, value: str) -> Q:
    """Case-insensitive equality that folds Cyrillic on SQLite too (its LIKE folds ASCII only)."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__iregex": f"^{re.escape(value)}$"})
    return Q(**{f"{field}__iexact": value})
