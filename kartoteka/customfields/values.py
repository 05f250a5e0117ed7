"""Custom field values: validation into JSON-native form, and display in the reader's language.

Stored form, per kind (``Client.custom_fields`` / ``Contact.custom_fields``, keyed by field code):
text, link, choice → str; number, money → decimal as a string ("1234.50"); date → "YYYY-MM-DD";
multiple choice → list of option values; yes/no → bool; user → user id (int).
An empty value (None, "", []) is not stored: the key disappears.

``clean_values`` is installed as ``kartoteka.clients.services.custom_fields_cleaner`` (see apps.py),
so every client and contact service validates values the same way, whoever calls it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import formats
from django.utils.translation import gettext as _

from kartoteka.customfields.models import CustomField, FieldKind
from kartoteka.customfields.schema import fields_for

TEXT_MAX_LENGTH = 1000
LINK_MAX_LENGTH = 2000
WHOLE_DIGITS = 18  # 10^18 covers any turnover in any currency and stays exact in every database
DECIMAL_PLACES = {FieldKind.NUMBER: 6, FieldKind.MONEY: 2}
MAX_USER_ID = 2**63 - 1

_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'")  # spaces people and locales put between thousands
_url_validator = URLValidator(schemes=["http", "https"])


def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw)


def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# --- Validation -------------------------------------------------------------------------------------


def parse_decimal(raw: Any) -> Decimal | None:
    """A finite Decimal from a JSON number, a Decimal or text ("1 234,50", "1,234.50", "-5"); None if not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest text that reads back as the same float: 0.1 → "0.1", not 0.1000000000000000055…
    if not isinstance(raw, str):
        return None
    text = raw.strip().translate(_GROUPING)
    if "," in text and "." in text:
        # Whichever comes last separates the decimals; the other groups thousands.
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")  # "1234,5": the Russian, Ukrainian and Romanian decimal comma
    elif text.count(",") > 1:
        text = text.replace(",", "")  # "1,234,567": English grouping
    if not _DECIMAL_RE.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        return None
    return value if value.is_finite() else None


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


def _clean_number(field: CustomField, raw: Any) -> str:
    label = field.label
    value = parse_decimal(raw)
    if value is None:
        if field.kind == FieldKind.MONEY:
            raise _error(_("“%(label)s” must be an amount of money, such as 1234.50.") % {"label": label}, "invalid")
        raise _error(_("“%(label)s” must be a number, such as 1234.5.") % {"label": label}, "invalid")
    value = value.normalize() if value else Decimal(0)  # 0E-3 and -0 become plain 0
    places = max(-int(value.as_tuple().exponent), 0)
    allowed = DECIMAL_PLACES[FieldKind(field.kind)]
    if places > allowed:
        raise _error(
            _("“%(label)s” allows at most %(places)d digits after the decimal point.") % {"label": label, "places": allowed},
            "max_decimal_places",
        )
    if abs(value) >= Decimal(10) ** WHOLE_DIGITS:
        raise _error(
            _("“%(label)s” allows at most %(digits)d digits before the decimal point.")
            % {"label": label, "digits": WHOLE_DIGITS},
            "max_digits",
        )
    if field.min_value is not None and value < field.min_value:
        raise _error(
            _("“%(label)s” must be at least %(limit)s.") % {"label": label, "limit": _number_text(field.min_value)},
            "min_value",
        )
    if field.max_value is not None and value > field.max_value:
        raise _error(
            _("“%(label)s” must be at most %(limit)s.") % {"label": label, "limit": _number_text(field.max_value)},
            "max_value",
        )
    if field.kind == FieldKind.MONEY:
        return _decimal_text(value.quantize(Decimal("0.01")))
    return _decimal_text(value)


def _clean_date(field: CustomField, raw: Any) -> str:
    if isinstance(raw, datetime.date) and not isinstance(raw, datetime.datetime):
        return raw.isoformat()
    if isinstance(raw, str) and _DATE_RE.fullmatch(raw.strip()):
        try:
            return datetime.date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            pass
    raise _error(_("“%(label)s” must be a date written as YYYY-MM-DD, such as 2026-03-12.") % {"label": field.label}, "invalid")


def _clean_text(field: CustomField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _error(_("“%(label)s” must be text.") % {"label": field.label}, "invalid")
    text = raw.strip()
    if "\x00" in text:
        raise _error(_("“%(label)s” must not contain the NUL character.") % {"label": field.label}, "invalid")
    if len(text) > TEXT_MAX_LENGTH:
        raise _error(
            _("“%(label)s” must be at most %(limit)d characters long.") % {"label": field.label, "limit": TEXT_MAX_LENGTH},
            "max_length",
        )
    return text


def _clean_link(field: CustomField, raw: Any) -> str:
    message = _("“%(label)s” must be a web address starting with http:// or https://, such as https://example.com.") % {
        "label": field.label
    }
    if not isinstance(raw, str):
        raise _error(message, "invalid")
    url = raw.strip()
    if "://" not in url and re.match(r"^[\w.-]+\.[^\W\d_]{2,}(?:[:/?#]|$)", url):
        url = f"https://{url}"  # "example.com/price" is what people paste; the scheme is implied
    if len(url) > LINK_MAX_LENGTH:
        raise _error(
            _("“%(label)s” must be at most %(limit)d characters long.") % {"label": field.label, "limit": LINK_MAX_LENGTH},
            "max_length",
        )
    try:
        _url_validator(url)
    except ValidationError:
        raise _error(message, "invalid") from None
    return url


def _options_text(field: CustomField) -> str:
    return ", ".join(f"{value} ({name})" for value, name in field.option_pairs())


def _clean_choice(field: CustomField, raw: Any, *, check_references: bool) -> str:
    if not isinstance(raw, str):
        raise _error(_("“%(label)s” must be one option value (text).") % {"label": field.label}, "invalid")
    value = raw.strip()
    if check_references and value not in field.option_values:
        raise _error(
            _("“%(label)s”: “%(value)s” is not one of the options: %(options)s.")
            % {"label": field.label, "value": value, "options": _options_text(field)},
            "invalid_choice",
        )
    return value


def _clean_multi_choice(field: CustomField, raw: Any, *, check_references: bool) -> list[str]:
    if not isinstance(raw, list | tuple) or not all(isinstance(item, str) for item in raw):
        raise _error(_("“%(label)s” must be a list of option values.") % {"label": field.label}, "invalid")
    chosen = {item.strip() for item in raw if item.strip()}
    unknown = sorted(chosen - set(field.option_values))
    if check_references and unknown:
        raise _error(
            _("“%(label)s”: “%(value)s” is not one of the options: %(options)s.")
            % {"label": field.label, "value": unknown[0], "options": _options_text(field)},
            "invalid_choice",
        )
    # The administrator's order, so equal sets compare and display equal.
    ordered = [value for value in field.option_values if value in chosen]
    return ordered + unknown


def _clean_boolean(field: CustomField, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _error(_("“%(label)s” must be true or false.") % {"label": field.label}, "invalid")
    return raw


def _clean_user(field: CustomField, raw: Any) -> int:
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdecimal() and raw.strip().isascii():
        value = int(raw.strip())
    elif hasattr(raw, "pk") and isinstance(raw.pk, int):
        value = raw.pk  # a User instance, as a form's model choice gives it
    if value is None or not 1 <= value <= MAX_USER_ID:
        raise _error(_("“%(label)s” must be a user id (a whole number).") % {"label": field.label}, "invalid")
    return value


def _inactive_user_error(field: CustomField, user_id: int) -> ValidationError:
    return _error(
        _("“%(label)s”: user #%(id)d does not exist or is deactivated.") % {"label": field.label, "id": user_id},
        "inactive_user",
    )


def clean_value(field: CustomField, raw: Any, *, check_references: bool = True) -> Any:
    """One non-empty value in JSON-native form, or ValidationError naming the field and the rule.

    ``check_references=False`` skips the checks against data that may change after the value was
    stored (options, active users): used for values the card already holds. User ids are checked
    against the database by :func:`clean_values` (one query for all of them), not here.
    """
    kind = field.kind
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        return _clean_number(field, raw)
    if kind == FieldKind.DATE:
        return _clean_date(field, raw)
    if kind == FieldKind.CHOICE:
        return _clean_choice(field, raw, check_references=check_references)
    if kind == FieldKind.MULTI_CHOICE:
        return _clean_multi_choice(field, raw, check_references=check_references)
    if kind == FieldKind.BOOLEAN:
        return _clean_boolean(field, raw)
    if kind == FieldKind.USER:
        return _clean_user(field, raw)
    if kind == FieldKind.LINK:
        return _clean_link(field, raw)
    return _clean_text(field, raw)


def clean_values(
    entity: str,
    values: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None = None,
    fields: Iterable[CustomField] | None = None,
) -> dict[str, Any]:
    """Validate and normalise a card's custom field values (all of them: services pass the merged dict).

    Raises ValidationError({code: [...]}) listing every problem: an unknown code, a wrong type, a
    missing required value, an option or user that is not allowed. Empty values are dropped.
    Values of deactivated fields are kept as they are.

    ``previous`` (the values the card holds now) lets a value the card already had through even if
    its option was removed, its user deactivated or its field deleted since — so editing one field
    never fails because of another nobody touched.
    """
    definitions = {field.code: field for field in (fields if fields is not None else fields_for(entity, active_only=False))}
    previous = previous or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    users_to_check: dict[int, list[CustomField]] = {}

    for code, raw in values.items():
        field = definitions.get(code)
        unchanged = code in previous and previous[code] == raw
        if field is None:
            if unchanged:
                cleaned[code] = raw
            else:
                errors[code] = [
                    _error(_("There is no additional field “%(code)s” on this card.") % {"code": code}, "unknown_field")
                ]
            continue
        if not field.is_active:
            cleaned[code] = raw
            continue
        if is_empty(raw):
            continue
        try:
            cleaned[code] = clean_value(field, raw, check_references=not unchanged)
        except ValidationError as error:
            errors[code] = [error]
            continue
        if field.kind == FieldKind.USER and not unchanged:
            users_to_check.setdefault(cleaned[code], []).append(field)

    for field in definitions.values():
        if field.is_active and field.required and field.code not in cleaned and field.code not in errors:
            errors[field.code] = [_error(_("“%(label)s” is required.") % {"label": field.label}, "required")]

    if users_to_check:
        active = set(get_user_model().objects.filter(pk__in=users_to_check, is_active=True).values_list("pk", flat=True))
        for user_id, user_fields in users_to_check.items():
            if user_id not in active:
                for field in user_fields:
                    errors[field.code] = [_inactive_user_error(field, user_id)]

    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return cleaned


# --- Reading ---------------------------------------------------------------------------------------


def to_python(field: CustomField, raw: Any) -> Any:
    """A stored value as Python (Decimal, date, bool, int, list, str); None when empty or unreadable."""
    if is_empty(raw):
        return None
    kind = field.kind
    if kind in (FieldKind.NUMBER, FieldKind.MONEY):
        return parse_decimal(raw)
    if kind == FieldKind.DATE:
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            return None
    if kind == FieldKind.BOOLEAN:
        return raw if isinstance(raw, bool) else None
    if kind == FieldKind.USER:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if kind == FieldKind.MULTI_CHOICE:
        return [str(item) for item in raw] if isinstance(raw, list) else None
    return str(raw)


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """Full names of the given users, deactivated ones included (they still name who it was). One query."""
    wanted = {user_id for user_id in ids if isinstance(user_id, int) and not isinstance(user_id, bool)}
    if not wanted:
        return {}
    users = get_user_model().objects.filter(pk__in=wanted).only("pk", "email", "last_name", "first_name", "patronymic")
    return {user.pk: user.get_full_name() or user.email for user in users}


def prefetch_users(objects: Iterable[Any], entity: str, *, fields: Iterable[CustomField] | None = None) -> dict[int, str]:
    """Names of every user that the objects' user fields point to, for ``display_value(..., users=)``.

    One query for a whole page (none when no object has a user value); pass ``fields`` to save the
    query for the definitions.
    """
    codes = [field.code for field in (fields if fields is not None else fields_for(entity)) if field.kind == FieldKind.USER]
    if not codes:
        return {}
    ids: list[Any] = []
    for obj in objects:
        stored = getattr(obj, "custom_fields", None) or {}
        ids.extend(stored.get(code) for code in codes)
    return user_names(ids)


def _number_text(value: Decimal, *, places: int | None = None) -> str:
    if places is None:
        value = value.normalize() if value else Decimal(0)  # limits are stored with 6 places: 100000.000000 → 100000
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def display_value(field: CustomField, raw: Any, *, users: Mapping[int, str] | None = None) -> str:
    """A stored value as the reader sees it, in the active language; "" when empty.

    Option names in the current language, dates and numbers in its format, money with its currency,
    users by full name — from ``users`` (see :func:`prefetch_users`), else one query for this value.
    Unreadable stored values are shown as they are rather than hidden.
    """
    value = to_python(field, raw)
    if value is None:
        return "" if is_empty(raw) else str(raw)
    kind = field.kind
    if kind == FieldKind.MONEY:
        amount = _number_text(value, places=2)
        return f"{amount}\u00a0{field.currency}" if field.currency else amount
    if kind == FieldKind.NUMBER:
        return _number_text(value)
    if kind == FieldKind.DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == FieldKind.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldKind.CHOICE:
        return field.option_name(value)
    if kind == FieldKind.MULTI_CHOICE:
        return ", ".join(field.option_name(item) for item in value)
    if kind == FieldKind.USER:
        names = users if users is not None else user_names([value])
        return names.get(value) or f"#{value}"
    return str(value)


def card_values(
    obj: Any,
    entity: str,
    section: str | None = None,
    *,
    fields: Iterable[CustomField] | None = None,
    users: Mapping[int, str] | None = None,
    include_empty: bool = True,
) -> list[tuple[CustomField, str]]:
    """(field, displayed value) for the card's active fields, in card order; "" for an empty value.

    At most two queries: the definitions and the users named (pass ``fields``/``users`` to reuse).
    """
    definitions = list(fields) if fields is not None else fields_for(entity, section=section)
    if section is not None:
        definitions = [field for field in definitions if field.section == section]
    stored = getattr(obj, "custom_fields", None) or {}
    if users is None:
        users = prefetch_users([obj], entity, fields=definitions)
    rows = [(field, display_value(field, stored.get(field.code), users=users)) for field in definitions]
    return rows if include_empty else [(field, text) for field, text in rows if text]
