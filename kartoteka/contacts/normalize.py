"""Turning whatever people type into one canonical value: phones to E.164, emails to lower case.

"8 (495) 123-45-67", "+7 495 123 45 67" and "84951234567" are the same number; the search key
(the last ten digits) lets one indexed equality find it from any of them.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

SEARCH_KEY_DIGITS = 10

# Territory country codes whose numbers are written without "+": used when the input has no prefix.
DEFAULT_REGION = "RU"


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """E.164 form of ``raw`` or a ValidationError saying what is wrong."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."), code="empty")
    if re.search(r"[^\d\s()+\-./]", text):
        raise ValidationError(
            _("A phone number may contain only digits, spaces, brackets, dashes and a leading +."), code="format"
        )
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": raw}, code="format") from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(_("“%(value)s” has the wrong number of digits for a phone number.") % {"value": raw}, code="length")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(e164: str) -> str:
    return re.sub(r"\D", "", e164)[-SEARCH_KEY_DIGITS:]


def phone_query_key(query: str, *, region: str = DEFAULT_REGION) -> str | None:
    """The search key of a query that looks like a whole phone number, else None."""
    digits = re.sub(r"\D", "", query)
    if len(digits) < 7 or re.search(r"[^\d\s()+\-./]", query.strip()):
        return None
    try:
        return phone_search_key(normalize_phone(query, region=region))
    except ValidationError:
        return digits[-SEARCH_KEY_DIGITS:]


def format_phone(e164: str) -> str:
    """A readable international form for display: +7 495 123-45-67."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def normalize_email(raw: str) -> str:
    value = (raw or "").strip().lower()
    if not value:
        raise ValidationError(_("Enter an email address."), code="empty")
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not a valid email address.") % {"value": raw}, code="format") from None
    return value


def normalize_messenger(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Messengers are reached by phone number (WhatsApp, Viber) or by @handle (Telegram)."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError(_("Enter a phone number or @username."), code="empty")
    handle = value.removeprefix("https://t.me/").removeprefix("t.me/")
    if re.fullmatch(r"@?[A-Za-z][A-Za-z0-9_]{4,31}", handle):
        return "@" + handle.lstrip("@").lower()
    return normalize_phone(value, region=region)
