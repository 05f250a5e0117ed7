"""Company requisites of Russia, Ukraine, Romania and Moldova: validation with check digits and normalisation.

Every ``validate_*`` takes what a person typed or pasted ("7707 083 893", "RO 185 472 90") and returns the
compact stored form, or raises :class:`RequisiteError` that names the field and the rule broken. Pure string
functions: no models, no database, safe to call from forms, the API and imports alike.

python-stdnum does most check-digit arithmetic. Our own code covers what it lacks (KPP, OKPO, BIK, bank
accounts) and what it gets wrong: ``stdnum.ru.ogrn`` takes the OGRNIP check digit as ``n % 13`` instead of
``n % 13 % 10``, so it rejects every real OGRNIP whose remainder is 10, 11 or 12.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.md import idno as stdnum_idno
from stdnum.ro import cui as stdnum_cui
from stdnum.ro import onrc as stdnum_onrc
from stdnum.ru import inn as stdnum_inn
from stdnum.ua import edrpou as stdnum_edrpou
from stdnum.ua import rntrc as stdnum_rntrc

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class RequisiteError(ValidationError):
    """A requisite that breaks a rule; ``code`` is "required", "digits", "length", "checksum" or "format".

    The message stays lazy and is formatted with ``params`` when read, so it comes out in the language active
    at that moment. ``requisite`` is the field key ("inn", "kpp", …) for callers that map errors to fields.
    """

    requisite: str | None = None


FIELD_LABELS: dict[str, StrPromise] = {
    "inn": _("INN"),
    "kpp": _("KPP"),
    "ogrn": _("OGRN/OGRNIP"),
    "okpo": _("OKPO"),
    "bik": _("BIK"),
    "settlement_account": _("Settlement account"),
    "correspondent_account": _("Correspondent account"),
    "edrpou": _("EDRPOU"),
    "ipn": _("IPN"),
    "cui": _("CUI/CIF"),
    "reg_com": _("Reg. Com. number"),
    "idno": _("IDNO"),
}

COUNTRY_REQUISITES: dict[str, list[str]] = {
    "RU": ["inn", "kpp", "ogrn", "okpo"],
    "UA": ["edrpou", "ipn"],
    "RO": ["cui", "reg_com"],
    "MD": ["idno"],
}

_TAX_ID_FIELDS: dict[str, str] = {"RU": "inn", "UA": "edrpou", "RO": "cui", "MD": "idno"}

# "%(length)d" is also the plural selector, so languages with several plural forms agree with the number.
_MESSAGES: dict[str, StrPromise] = {
    "required": _("%(field)s must not be empty."),
    "digits": _("%(field)s may contain only digits."),
    "length": ngettext_lazy(
        "%(field)s must have %(length)d digit, not %(count)d.", "%(field)s must have %(length)d digits, not %(count)d.", "length"
    ),
    "length_either": ngettext_lazy(
        "%(field)s must have %(shorter)d or %(length)d digit, not %(count)d.",
        "%(field)s must have %(shorter)d or %(length)d digits, not %(count)d.",
        "length",
    ),
    "length_range": ngettext_lazy(
        "%(field)s must have %(shorter)d to %(length)d digit, not %(count)d.",
        "%(field)s must have %(shorter)d to %(length)d digits, not %(count)d.",
        "length",
    ),
    "length_chars": ngettext_lazy(
        "%(field)s must have %(length)d character, not %(count)d.",
        "%(field)s must have %(length)d characters, not %(count)d.",
        "length",
    ),
    "checksum": _("%(field)s check digit is wrong."),
    "invalid": _("%(field)s is not a valid number."),
    "account_checksum": _("%(field)s check digit is wrong for BIK %(bik)s."),
    "kpp_format": _("%(field)s must be 4 digits, then 2 digits or capital Latin letters, then 3 digits."),
    "prefix": _("%(field)s must start with %(prefix)s."),
    "leading_zero": _("%(field)s cannot start with 0."),
    "reg_com_format": _("%(field)s must look like J40/1234/2020 or J2020001234402."),
}

# Message key -> error code: the codes are what callers branch on, the keys only pick a wording.
_CODES: dict[str, str] = {
    "required": "required",
    "digits": "digits",
    "length": "length",
    "length_either": "length",
    "length_range": "length",
    "length_chars": "length",
    "checksum": "checksum",
    "invalid": "format",
    "account_checksum": "checksum",
    "kpp_format": "format",
    "prefix": "format",
    "leading_zero": "format",
    "reg_com_format": "format",
}

# Pasted numbers carry thin and no-break spaces, typographic dashes and zero-width marks from PDFs and sites.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
_ONRC_NEW = re.compile(r"[A-Z][0-9]{13}")
_ACCOUNT_KEY_WEIGHTS = (7, 1, 3)


def _error(field: str, message: str, **params: Any) -> RequisiteError:
    error = RequisiteError(_MESSAGES[message], code=_CODES[message], params={"field": FIELD_LABELS[field], **params})
    error.requisite = field
    return error


def normalize_digits(value: str) -> str:
    """``value`` without whitespace (NBSP included), dashes and dots; letters stay so that validators reject them."""
    return _SEPARATORS.sub("", value or "")


def _number(value: str, field: str, lengths: tuple[int, ...]) -> str:
    """The normalised all-digit ``value`` of one of ``lengths``; the checks run in the order a person fixes them."""
    number = normalize_digits(value)
    if not number:
        raise _error(field, "required")
    # isdigit() would let "²" and Arabic-Indic digits through, and int() would then accept some of them.
    if not _ASCII_DIGITS.fullmatch(number):
        raise _error(field, "digits")
    if len(number) not in lengths:
        raise _length_error(field, lengths, len(number))
    return number


def _length_error(field: str, lengths: tuple[int, ...], count: int) -> RequisiteError:
    if len(lengths) == 1:
        return _error(field, "length", length=lengths[0], count=count)
    if len(lengths) == 2:
        return _error(field, "length_either", shorter=lengths[0], length=lengths[1], count=count)
    return _error(field, "length_range", shorter=lengths[0], length=lengths[-1], count=count)


def _stdnum(check: Callable[[str], str], number: str, field: str) -> str:
    """Run a stdnum validator on an already length- and digit-checked number and speak its verdict in our words."""
    try:
        return check(number)
    except InvalidChecksum:
        raise _error(field, "checksum") from None
    except StdnumError:
        # Length and characters are checked before stdnum runs; what is left is a structural rule of its own.
        raise _error(field, "invalid") from None


# --- Russia -----------------------------------------------------------------------------------------------


def validate_inn(value: str) -> str:
    """Russian INN: 10 digits for an organisation, 12 for a person or individual entrepreneur."""
    return _stdnum(stdnum_inn.validate, _number(value, "inn", (10, 12)), "inn")


def validate_inn_legal(value: str) -> str:
    """INN of an organisation (10 digits)."""
    return _stdnum(stdnum_inn.validate, _number(value, "inn", (10,)), "inn")


def validate_inn_person(value: str) -> str:
    """INN of a person or individual entrepreneur (12 digits)."""
    return _stdnum(stdnum_inn.validate, _number(value, "inn", (12,)), "inn")


def validate_kpp(value: str) -> str:
    """KPP: tax office (4 digits), reason (2 digits or Latin capitals since 2013), serial (3 digits)."""
    kpp = normalize_digits(value).upper()
    if not kpp:
        raise _error("kpp", "required")
    if len(kpp) != 9:
        raise _error("kpp", "length_chars", length=9, count=len(kpp))
    if not _KPP.fullmatch(kpp):
        raise _error("kpp", "kpp_format")
    return kpp


def _ogrn_check_digit(body: str) -> str:
    """The control digit for the first 12 (OGRN) or 14 (OGRNIP) digits."""
    modulus = 11 if len(body) == 12 else 13
    return str(int(body) % modulus % 10)


def validate_ogrn(value: str) -> str:
    """OGRN of an organisation (13 digits) or OGRNIP of an individual entrepreneur (15 digits)."""
    ogrn = _number(value, "ogrn", (13, 15))
    if ogrn[-1] != _ogrn_check_digit(ogrn[:-1]):
        raise _error("ogrn", "checksum")
    return ogrn


def _okpo_check_digit(body: str) -> str:
    """Rosstat's control number: weights 1..10 from the left (cycling), mod 11; on 10 retry shifted by two; 10 -> 0."""
    for shift in (0, 2):
        remainder = sum(int(digit) * ((position + shift) % 10 + 1) for position, digit in enumerate(body)) % 11
        if remainder < 10:
            return str(remainder)
    return "0"


def validate_okpo(value: str) -> str:
    """OKPO: 8 digits for an organisation, 10 for an individual entrepreneur."""
    okpo = _number(value, "okpo", (8, 10))
    if okpo[-1] != _okpo_check_digit(okpo[:-1]):
        raise _error("okpo", "checksum")
    return okpo


def validate_bik(value: str) -> str:
    """BIK, the Russian bank identifier: 9 digits. Banks' start with 04, Treasury offices' (since 2021) with 00-02."""
    return _number(value, "bik", (9,))


def _is_treasury_bik(bik: str) -> bool:
    return not bik.startswith("04")


def _account_key_is_right(prefix: str, account: str) -> bool:
    return sum(int(digit) * _ACCOUNT_KEY_WEIGHTS[i % 3] for i, digit in enumerate(prefix + account)) % 10 == 0


def _bank_of_russia_prefix(bik: str) -> str:
    # Bank of Russia order 515: accounts opened at a Bank of Russia office are keyed with "0" + BIK digits 5-6.
    return "0" + bik[4:6]


def validate_settlement_account(value: str, *, bik: str) -> str:
    """A 20-digit account whose control key (9th digit) must agree with the bank's BIK."""
    bik = validate_bik(bik)
    account = _number(value, "settlement_account", (20,))
    if _is_treasury_bik(bik):
        # Treasury accounts (03100643000000017300 at BIK 004525988) carry no control key at all; a single
        # treasury account (40102…) is held at the Bank of Russia and keyed like one.
        if account.startswith("0"):
            return account
        prefix = _bank_of_russia_prefix(bik)
    elif bik[6:] in {"000", "001", "002"}:
        # These BIKs belong to Bank of Russia offices (cash settlement centres), so order 515 applies here too.
        prefix = _bank_of_russia_prefix(bik)
    else:
        prefix = bik[6:]
    if not _account_key_is_right(prefix, account):
        raise _error("settlement_account", "account_checksum", bik=bik)
    return account


def validate_correspondent_account(value: str, *, bik: str) -> str:
    """A bank's account at the Bank of Russia: 20 digits, 301…, keyed with "0" + BIK digits 5-6.

    Treasury offices have no correspondent account; payment forms put their single treasury account (40102…)
    in this slot, so that is accepted for a Treasury BIK.
    """
    bik = validate_bik(bik)
    account = _number(value, "correspondent_account", (20,))
    prefixes = ("301", "40102") if _is_treasury_bik(bik) else ("301",)
    if not account.startswith(prefixes):
        raise _error("correspondent_account", "prefix", prefix=prefixes[0])
    if not _account_key_is_right(_bank_of_russia_prefix(bik), account):
        raise _error("correspondent_account", "account_checksum", bik=bik)
    return account


# --- Ukraine ----------------------------------------------------------------------------------------------


def validate_edrpou(value: str) -> str:
    """EDRPOU, the Ukrainian legal entity code: 8 digits."""
    return _stdnum(stdnum_edrpou.validate, _number(value, "edrpou", (8,)), "edrpou")


def validate_ipn(value: str) -> str:
    """IPN (RNOKPP), the Ukrainian individual taxpayer number, also used by sole proprietors (FOP): 10 digits."""
    return _stdnum(stdnum_rntrc.validate, _number(value, "ipn", (10,)), "ipn")


# --- Romania ----------------------------------------------------------------------------------------------


def validate_cui(value: str) -> str:
    """CUI/CIF: 2-10 digits. A leading "RO" (VAT-registered) is accepted and dropped: the number is the same."""
    cui = normalize_digits(value).upper()
    lengths = tuple(range(2, 11))
    if cui == "RO":
        # A bare prefix is a number with no digits, not an empty field.
        raise _length_error("cui", lengths, 0)
    number = _number(cui.removeprefix("RO"), "cui", lengths)
    if number.startswith("0"):
        raise _error("cui", "leading_zero")
    return _stdnum(stdnum_cui.validate, number, "cui")


def validate_reg_com(value: str) -> str:
    """Romanian Trade Register number: J40/1234/2020 (until 2024) or J2020001234402 (since July 2024).

    Normalised by stdnum: upper case, "/" separators, two-digit county, year only ("J4/12/01.02.1997" ->
    "J04/12/1997"). Old numbers have no check digit, so only their structure is checked.
    """
    text = (value or "").strip().upper()
    compact = normalize_digits(text)
    if not compact:
        raise _error("reg_com", "required")
    # Separators inside a new-style number would make stdnum read it as the old slash format.
    if _ONRC_NEW.fullmatch(compact):
        text = compact
    try:
        return stdnum_onrc.validate(text)
    except InvalidChecksum:
        raise _error("reg_com", "checksum") from None
    except StdnumError:
        raise _error("reg_com", "reg_com_format") from None


# --- Moldova ----------------------------------------------------------------------------------------------


def validate_idno(value: str) -> str:
    """IDNO, the Moldovan state identification number of an organisation: 13 digits."""
    return _stdnum(stdnum_idno.validate, _number(value, "idno", (13,)), "idno")


VALIDATORS: dict[str, Callable[[str], str]] = {
    "inn": validate_inn,
    "kpp": validate_kpp,
    "ogrn": validate_ogrn,
    "okpo": validate_okpo,
    "bik": validate_bik,
    "edrpou": validate_edrpou,
    "ipn": validate_ipn,
    "cui": validate_cui,
    "reg_com": validate_reg_com,
    "idno": validate_idno,
}


def tax_id_field(country: str) -> str | None:
    """The field holding the country's main tax identifier ("inn" for RU), or None for other countries."""
    return _TAX_ID_FIELDS.get((country or "").strip().upper())


def looks_like_tax_id(query: str) -> str | None:
    """The digits of a search query that could be a tax identifier (8-13 digits, or RO + 2-10 digits), else None."""
    text = normalize_digits(query).upper()
    if text.startswith("RO") and _ASCII_DIGITS.fullmatch(text[2:]) and 2 <= len(text) - 2 <= 10:
        return text[2:]
    if _ASCII_DIGITS.fullmatch(text) and 8 <= len(text) <= 13:
        return text
    return None
