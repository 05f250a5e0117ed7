"""Requisites: published numbers of real companies pass, typos fail with a message that names the field and rule.

Check digits are recomputed here with independent code (not the module's, not stdnum's), so a shared mistake
in both would still be caught.
"""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from kartoteka.clients.requisites import (
    COUNTRY_REQUISITES,
    FIELD_LABELS,
    VALIDATORS,
    RequisiteError,
    looks_like_tax_id,
    normalize_digits,
    tax_id_field,
    validate_bik,
    validate_correspondent_account,
    validate_cui,
    validate_edrpou,
    validate_idno,
    validate_inn,
    validate_inn_legal,
    validate_inn_person,
    validate_ipn,
    validate_kpp,
    validate_ogrn,
    validate_okpo,
    validate_reg_com,
    validate_settlement_account,
)

SBERBANK_BIK = "044525225"


# --- independent reference arithmetic ---------------------------------------------------------------------


def inn_check_digits(body: str) -> str:
    """FNS weights; ``body`` is the first 9 (organisation) or 10 (person) digits."""

    def digit(digits: str, weights: tuple[int, ...]) -> str:
        return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)

    if len(body) == 9:
        return digit(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))
    first = digit(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return first + digit(body + first, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def ogrn_check_digit(body: str) -> str:
    return str(int(body) % (11 if len(body) == 12 else 13) % 10)


def okpo_first_pass(body: str) -> int:
    return sum(int(d) * (i % 10 + 1) for i, d in enumerate(body)) % 11


def with_account_key(prefix: str, account: str) -> str:
    """``account`` with its 9th digit replaced by the control key (Bank of Russia order 515, steps 1-5)."""
    zeroed = account[:8] + "0" + account[9:]
    total = sum(int(d) * w for d, w in zip(prefix + zeroed, [7, 1, 3] * 8, strict=False)) % 10
    return account[:8] + str(total * 3 % 10) + account[9:]


def message(error: pytest.ExceptionInfo[RequisiteError]) -> str:
    with override("en"):
        return error.value.messages[0]


# --- normalisation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("7707083893", "7707083893", id="plain"),
        pytest.param("  7707 083 893 ", "7707083893", id="spaces"),
        pytest.param("7707-083-893", "7707083893", id="hyphens"),
        pytest.param("7707\u00a0083\u202f893", "7707083893", id="nbsp-and-narrow-nbsp"),
        pytest.param("7707\u2013083\u2014893\u2212", "7707083893", id="typographic-dashes"),
        pytest.param("77.07.083.893", "7707083893", id="dots"),
        pytest.param("\ufeff7707\u200b083893\t\n", "7707083893", id="zero-width-and-tabs"),
        pytest.param("77O7 O83 893", "77O7O83893", id="letters-kept"),
        pytest.param("RO 185 472 90", "RO18547290", id="prefix-kept"),
        pytest.param("J40/8302/1997", "J40/8302/1997", id="slashes-kept"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalize_digits(raw, expected):
    assert normalize_digits(raw) == expected


# --- valid numbers ----------------------------------------------------------------------------------------

VALID = [
    # Russia
    pytest.param(validate_inn, "7707083893", "7707083893", id="inn-sberbank"),
    pytest.param(validate_inn, "7736207543", "7736207543", id="inn-yandex"),
    pytest.param(validate_inn, "7736050003", "7736050003", id="inn-gazprom"),
    pytest.param(validate_inn, " 7707 083 893 ", "7707083893", id="inn-spaced"),
    pytest.param(validate_inn, "7707-083-893", "7707083893", id="inn-dashed"),
    pytest.param(validate_inn, "500100732259", "500100732259", id="inn-person-cited-example"),
    pytest.param(validate_inn, "5001 0073 2259", "500100732259", id="inn-person-spaced"),
    pytest.param(validate_inn_legal, "7707083893", "7707083893", id="inn-legal-sberbank"),
    pytest.param(validate_inn_person, "500100732259", "500100732259", id="inn-person-only"),
    pytest.param(validate_kpp, "773601001", "773601001", id="kpp-sberbank"),
    pytest.param(validate_kpp, "997250001", "997250001", id="kpp-gazprom-largest-taxpayer"),
    pytest.param(validate_kpp, "7736 01 001", "773601001", id="kpp-spaced"),
    pytest.param(validate_kpp, "7736AB001", "7736AB001", id="kpp-letter-reason"),
    pytest.param(validate_kpp, "7736ab001", "7736AB001", id="kpp-lowercase-letters-upper-cased"),
    pytest.param(validate_ogrn, "1027700132195", "1027700132195", id="ogrn-sberbank"),
    pytest.param(validate_ogrn, "1027700229193", "1027700229193", id="ogrn-yandex"),
    pytest.param(validate_ogrn, "1027700070518", "1027700070518", id="ogrn-gazprom"),
    pytest.param(validate_ogrn, "1 02 77 00 132195", "1027700132195", id="ogrn-spaced"),
    pytest.param(validate_ogrn, "304500116000157", "304500116000157", id="ogrnip-cited-example"),
    pytest.param(validate_ogrn, "304-500-116-000-157", "304500116000157", id="ogrnip-dashed"),
    pytest.param(validate_okpo, "00032537", "00032537", id="okpo-sberbank"),
    pytest.param(validate_okpo, "00040778", "00040778", id="okpo-gazprom"),
    pytest.param(validate_okpo, "00 032 537", "00032537", id="okpo-spaced"),
    pytest.param(validate_bik, SBERBANK_BIK, SBERBANK_BIK, id="bik-sberbank"),
    pytest.param(validate_bik, "044525974", "044525974", id="bik-tinkoff"),
    pytest.param(validate_bik, "04 45 25 225", SBERBANK_BIK, id="bik-spaced"),
    pytest.param(validate_bik, "004525988", "004525988", id="bik-treasury-moscow"),
    # Ukraine
    pytest.param(validate_edrpou, "00032129", "00032129", id="edrpou-oschadbank"),
    pytest.param(validate_edrpou, "14360570", "14360570", id="edrpou-privatbank"),
    pytest.param(validate_edrpou, "20077720", "20077720", id="edrpou-naftogaz"),
    pytest.param(validate_edrpou, "40075815", "40075815", id="edrpou-ukrzaliznytsia"),
    pytest.param(validate_edrpou, "1436 0570", "14360570", id="edrpou-spaced"),
    pytest.param(validate_ipn, "1759013776", "1759013776", id="ipn-stdnum-example"),
    pytest.param(validate_ipn, "25 30 41 40 71", "2530414071", id="ipn-spaced"),
    # Romania
    pytest.param(validate_cui, "18547290", "18547290", id="cui"),
    pytest.param(validate_cui, "RO18547290", "18547290", id="cui-vat-prefix"),
    pytest.param(validate_cui, "ro 185 472 90", "18547290", id="cui-lowercase-prefix-spaced"),
    pytest.param(validate_cui, "RO1590082", "1590082", id="cui-omv-petrom"),
    pytest.param(validate_cui, "5022670", "5022670", id="cui-banca-transilvania"),
    pytest.param(validate_reg_com, "J40/8302/1997", "J40/8302/1997", id="regcom-omv-petrom"),
    pytest.param(validate_reg_com, "J12/4155/1993", "J12/4155/1993", id="regcom-banca-transilvania"),
    pytest.param(validate_reg_com, "J40/12345/1998", "J40/12345/1998", id="regcom-old-format"),
    pytest.param(validate_reg_com, " j40 / 8302 / 1997 ", "J40/8302/1997", id="regcom-lowercase-spaced"),
    pytest.param(validate_reg_com, "J4/123/2001", "J04/123/2001", id="regcom-county-padded"),
    pytest.param(validate_reg_com, "J40/8302/01.02.1997", "J40/8302/1997", id="regcom-full-date"),
    pytest.param(validate_reg_com, "F40/1/2010", "F40/1/2010", id="regcom-sole-proprietor"),
    pytest.param(validate_reg_com, "J2012000750528", "J2012000750528", id="regcom-new-format"),
    pytest.param(validate_reg_com, "J2020001234402", "J2020001234402", id="regcom-new-format-message-example"),
    pytest.param(validate_reg_com, "J 2012 000750 52 8", "J2012000750528", id="regcom-new-format-spaced"),
    pytest.param(validate_reg_com, "J-2012-000750-52-8", "J2012000750528", id="regcom-new-format-dashed"),
    # Moldova
    pytest.param(validate_idno, "1002600003778", "1002600003778", id="idno-cited-example"),
    pytest.param(validate_idno, "1008600038413", "1008600038413", id="idno-stdnum-example"),
    pytest.param(validate_idno, "1002 6000 0377 8", "1002600003778", id="idno-spaced"),
]


@pytest.mark.parametrize(("validator", "raw", "expected"), VALID)
def test_valid_numbers_are_normalised(validator, raw, expected):
    assert validator(raw) == expected


# --- every all-digit validator rejects the same four kinds of typo ----------------------------------------

# (validator, field label, a valid number, the length message's "N digits" part, a length that is wrong)
DIGIT_FIELDS = [
    pytest.param(validate_inn, "INN", "7707083893", "10 or 12", 9, id="inn"),
    pytest.param(validate_inn_legal, "INN", "7707083893", "10", 9, id="inn-legal"),
    pytest.param(validate_inn_person, "INN", "500100732259", "12", 11, id="inn-person"),
    pytest.param(validate_ogrn, "OGRN/OGRNIP", "1027700132195", "13 or 15", 14, id="ogrn"),
    pytest.param(validate_okpo, "OKPO", "00032537", "8 or 10", 9, id="okpo"),
    pytest.param(validate_edrpou, "EDRPOU", "14360570", "8", 7, id="edrpou"),
    pytest.param(validate_ipn, "IPN", "1759013776", "10", 9, id="ipn"),
    pytest.param(validate_cui, "CUI/CIF", "18547290", "2 to 10", 11, id="cui"),
    pytest.param(validate_cui, "CUI/CIF", "18547290", "2 to 10", 1, id="cui-short"),
    pytest.param(validate_idno, "IDNO", "1002600003778", "13", 12, id="idno"),
]


def other_last_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize(("validator", "label", "number", "lengths", "count"), DIGIT_FIELDS)
def test_wrong_check_digit_is_rejected(validator, label, number, lengths, count):
    with pytest.raises(RequisiteError) as error:
        validator(other_last_digit(number))
    assert error.value.code == "checksum"
    assert message(error) == f"{label} check digit is wrong."


@pytest.mark.parametrize(("validator", "label", "number", "lengths", "count"), DIGIT_FIELDS)
def test_wrong_length_is_rejected(validator, label, number, lengths, count):
    with pytest.raises(RequisiteError) as error:
        validator((number * 2)[:count])
    assert error.value.code == "length"
    assert message(error) == f"{label} must have {lengths} digits, not {count}."


@pytest.mark.parametrize(("validator", "label", "number", "lengths", "count"), DIGIT_FIELDS)
def test_letters_are_rejected(validator, label, number, lengths, count):
    with pytest.raises(RequisiteError) as error:
        validator(number[:3] + "O" + number[4:])  # a letter O where a zero or digit belongs: the classic typo
    assert error.value.code == "digits"
    assert message(error) == f"{label} may contain only digits."


def test_too_long_number_reports_its_length():
    with pytest.raises(RequisiteError) as error:
        validate_inn("77070838931")
    assert message(error) == "INN must have 10 or 12 digits, not 11."


ALL_VALIDATORS = [pytest.param(validator, FIELD_LABELS[field], id=field) for field, validator in VALIDATORS.items()] + [
    pytest.param(lambda v: validate_settlement_account(v, bik=SBERBANK_BIK), "Settlement account", id="settlement_account"),
    pytest.param(lambda v: validate_correspondent_account(v, bik=SBERBANK_BIK), "Correspondent account", id="correspondent"),
]


@pytest.mark.parametrize("blank", ["", "   ", "\u00a0-\u00a0"], ids=["empty", "spaces", "separators-only"])
@pytest.mark.parametrize(("validator", "label"), ALL_VALIDATORS)
def test_empty_value_is_rejected(validator, label, blank):
    with pytest.raises(RequisiteError) as error:
        validator(blank)
    assert error.value.code == "required"
    with override("en"):
        assert error.value.messages == [f"{label} must not be empty."]


# --- the error object -------------------------------------------------------------------------------------


def test_error_is_a_django_validation_error_with_field_and_code():
    with pytest.raises(ValidationError) as error:
        validate_inn("7707083894")
    assert isinstance(error.value, RequisiteError)
    assert error.value.code == "checksum"
    assert error.value.requisite == "inn"
    assert error.value.params is not None
    assert error.value.params["field"] is FIELD_LABELS["inn"]


def test_message_is_rendered_in_the_active_language():
    with pytest.raises(RequisiteError) as error:
        validate_inn("770708389")
    # The message stays lazy: it is formatted when read, not when raised.
    with override("en"):
        assert error.value.messages == ["INN must have 10 or 12 digits, not 9."]
    assert error.value.params == {"field": FIELD_LABELS["inn"], "shorter": 10, "length": 12, "count": 9}


def test_unicode_digits_are_not_digits():
    # Arabic-Indic and superscript digits pass str.isdigit() but are not what anyone means by an INN.
    with pytest.raises(RequisiteError) as error:
        validate_inn("\u0667\u0667\u0660\u0667\u0660\u0668\u0663\u0668\u0669\u0663")
    assert error.value.code == "digits"


# --- INN --------------------------------------------------------------------------------------------------


def test_inn_legal_and_person_accept_only_their_length():
    with pytest.raises(RequisiteError) as error:
        validate_inn_legal("500100732259")
    assert message(error) == "INN must have 10 digits, not 12."
    with pytest.raises(RequisiteError) as error:
        validate_inn_person("7707083893")
    assert message(error) == "INN must have 12 digits, not 10."


@pytest.mark.parametrize("number", ["7707083893", "7736207543", "7736050003", "500100732259"])
def test_real_inns_agree_with_independent_arithmetic(number):
    body = number[:9] if len(number) == 10 else number[:10]
    assert number == body + inn_check_digits(body)


def test_inn_matches_independent_arithmetic_on_random_numbers():
    rng = random.Random(20240601)
    for _ in range(300):
        body = "".join(rng.choice("0123456789") for _ in range(rng.choice((9, 10))))
        number = body + inn_check_digits(body)
        assert validate_inn(number) == number
        # Any other check digit(s) must fail: stdnum and the reference weights agree on every number.
        wrong = number[:-1] + str((int(number[-1]) + rng.randint(1, 9)) % 10)
        with pytest.raises(RequisiteError):
            validate_inn(wrong)


def test_person_inn_first_check_digit_is_checked_too():
    body = "7712345678"
    number = body + inn_check_digits(body)
    assert validate_inn_person(number) == number
    broken = number[:10] + str((int(number[10]) + 1) % 10) + number[11]
    with pytest.raises(RequisiteError) as error:
        validate_inn(broken)
    assert error.value.code == "checksum"


# --- KPP --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "count"),
    [pytest.param("77360100", 8, id="short"), pytest.param("7736010011", 10, id="long")],
)
def test_kpp_wrong_length(raw, count):
    with pytest.raises(RequisiteError) as error:
        validate_kpp(raw)
    assert error.value.code == "length"
    assert message(error) == f"KPP must have 9 characters, not {count}."


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("7736АБ001", id="cyrillic-letters"),
        pytest.param("77A601001", id="letter-in-tax-office"),
        pytest.param("7736010A1", id="letter-in-serial"),
        pytest.param("7736_1001", id="punctuation"),
    ],
)
def test_kpp_wrong_format(raw):
    with pytest.raises(RequisiteError) as error:
        validate_kpp(raw)
    assert error.value.code == "format"
    assert message(error) == "KPP must be 4 digits, then 2 digits or capital Latin letters, then 3 digits."


# --- OGRN / OGRNIP ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1027700132195", "1027700229193", "1027700070518", "304500116000157"])
def test_real_ogrns_agree_with_independent_arithmetic(number):
    assert number[-1] == ogrn_check_digit(number[:-1])


@pytest.mark.parametrize("number", ["304500116000570", "304500116000711", "304500116000852"])
def test_ogrnip_that_stdnum_rejects_is_accepted(number):
    # stdnum takes the OGRNIP control as n % 13, so remainders 10-12 can never match one digit; the FNS rule
    # takes the last digit of the remainder.
    remainder = int(number[:-1]) % 13
    assert remainder >= 10
    assert number[-1] == str(remainder % 10)
    assert not stdnum_ogrn.is_valid(number)
    assert validate_ogrn(number) == number


def test_ogrnip_check_digit_mod_13_is_enforced():
    with pytest.raises(RequisiteError) as error:
        validate_ogrn("304500116000158")
    assert message(error) == "OGRN/OGRNIP check digit is wrong."


def test_ogrn_uses_mod_11_not_mod_13():
    # Same 12-digit body, control computed by the OGRNIP rule: must not pass as a 13-digit OGRN.
    body = "102770013219"
    wrong = body + str(int(body) % 13 % 10)
    assert wrong[-1] != ogrn_check_digit(body)
    with pytest.raises(RequisiteError):
        validate_ogrn(wrong)


# --- OKPO -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "case"),
    [
        pytest.param("31617484", "second-pass", id="8-digits-second-pass"),
        pytest.param("7049996229", "second-pass", id="10-digits-second-pass-weights-cycle"),
        pytest.param("1861442700", "zero", id="10-digits-both-passes-10"),
    ],
)
def test_okpo_second_pass(number, case):
    body = number[:-1]
    assert okpo_first_pass(body) == 10
    second = sum(int(d) * ((i + 2) % 10 + 1) for i, d in enumerate(body)) % 11
    assert (second == 10) == (case == "zero")
    assert validate_okpo(number) == number


def test_okpo_second_pass_weights_wrap_after_ten():
    # Rosstat: weights 1..10 repeat, so the shifted series is 3..10, 1 — not 3..11. For this body the two
    # readings differ (9 vs 7); only the wrapping one is accepted.
    assert validate_okpo("7049996229") == "7049996229"
    with pytest.raises(RequisiteError):
        validate_okpo("7049996227")


# --- BIK and bank accounts --------------------------------------------------------------------------------


def test_bik_wrong_length_and_letters():
    with pytest.raises(RequisiteError) as error:
        validate_bik("04452522")
    assert message(error) == "BIK must have 9 digits, not 8."
    with pytest.raises(RequisiteError) as error:
        validate_bik("O44525225")
    assert message(error) == "BIK may contain only digits."


SBERBANK_CLIENT_ACCOUNT = with_account_key("225", "40702810038000012345")

SETTLEMENT_VALID = [
    # Bank of Russia order 515, example 3: a client's account at a bank with BIK 049805746.
    pytest.param("40602810700000000025", "049805746", id="cbr-515-example-bank-client"),
    # Order 515, example 2: an account opened at a cash settlement centre (BIK ends in 000).
    pytest.param("40102810100000010001", "040305000", id="cbr-515-example-rkc-client"),
    pytest.param("40702810900000000025", "044514512", id="textbook-example"),
    pytest.param(SBERBANK_CLIENT_ACCOUNT, SBERBANK_BIK, id="constructed-sberbank-client"),
    pytest.param(SBERBANK_CLIENT_ACCOUNT[:5] + " " + SBERBANK_CLIENT_ACCOUNT[5:], SBERBANK_BIK, id="spaced"),
    # Tax payments in Moscow: the treasury account has no control key, the single treasury account has one.
    pytest.param("03100643000000017300", "004525988", id="treasury-account-moscow"),
    pytest.param("40102810545370000003", "004525988", id="single-treasury-account-moscow"),
    pytest.param("40102810945370000005", "014030106", id="single-treasury-account-st-petersburg"),
]


@pytest.mark.parametrize(("account", "bik"), SETTLEMENT_VALID)
def test_settlement_account_valid(account, bik):
    assert validate_settlement_account(account, bik=bik) == normalize_digits(account)


def test_constructed_account_key_matches_the_published_example():
    # The reference key function reproduces order 515's worked example, so the constructed account is sound.
    assert with_account_key("746", "40602810000000000025") == "40602810700000000025"
    assert with_account_key("005", "30101810000000000746") == "30101810800000000746"


def test_settlement_account_wrong_key():
    broken = SBERBANK_CLIENT_ACCOUNT[:8] + str((int(SBERBANK_CLIENT_ACCOUNT[8]) + 1) % 10) + SBERBANK_CLIENT_ACCOUNT[9:]
    with pytest.raises(RequisiteError) as error:
        validate_settlement_account(broken, bik=SBERBANK_BIK)
    assert error.value.code == "checksum"
    assert message(error) == "Settlement account check digit is wrong for BIK 044525225."


def test_settlement_account_belongs_to_its_bank():
    # A valid account quoted with another bank's BIK is the mistake the key exists to catch.
    with pytest.raises(RequisiteError) as error:
        validate_settlement_account(SBERBANK_CLIENT_ACCOUNT, bik="044525974")
    assert error.value.code == "checksum"


def test_settlement_account_length_and_letters():
    with pytest.raises(RequisiteError) as error:
        validate_settlement_account(SBERBANK_CLIENT_ACCOUNT[:-1], bik=SBERBANK_BIK)
    assert message(error) == "Settlement account must have 20 digits, not 19."
    with pytest.raises(RequisiteError) as error:
        validate_settlement_account("40702В10038000012345", bik=SBERBANK_BIK)
    assert message(error) == "Settlement account may contain only digits."


def test_account_with_a_broken_bik_reports_the_bik():
    with pytest.raises(RequisiteError) as error:
        validate_settlement_account(SBERBANK_CLIENT_ACCOUNT, bik="0445252")
    assert error.value.requisite == "bik"
    assert message(error) == "BIK must have 9 digits, not 7."


def test_treasury_account_needs_a_treasury_bik():
    # Accounts starting with 0 skip the key only at the Treasury; at a bank they are keyed like any other.
    with pytest.raises(RequisiteError) as error:
        validate_settlement_account("03100643000000017300", bik=SBERBANK_BIK)
    assert error.value.code == "checksum"


CORRESPONDENT_VALID = [
    pytest.param("30101810400000000225", SBERBANK_BIK, id="sberbank"),
    pytest.param("30101 810 4 0000 0000225", SBERBANK_BIK, id="sberbank-spaced"),
    pytest.param("30101810145250000974", "044525974", id="tinkoff"),
    pytest.param("30101810200000000593", "044525593", id="alfa-bank"),
    pytest.param("30101810700000000187", "044525187", id="vtb"),
    # Bank of Russia order 515, example 1: correspondent account 30101810K00000000746 at RKC 049805000.
    pytest.param("30101810800000000746", "049805746", id="cbr-515-example"),
    # Payment forms put a Treasury office's single treasury account in the correspondent account slot.
    pytest.param("40102810545370000003", "004525988", id="treasury-single-account"),
]


@pytest.mark.parametrize(("account", "bik"), CORRESPONDENT_VALID)
def test_correspondent_account_valid(account, bik):
    assert validate_correspondent_account(account, bik=bik) == normalize_digits(account)


def test_correspondent_account_wrong_key():
    with pytest.raises(RequisiteError) as error:
        validate_correspondent_account("30101810500000000225", bik=SBERBANK_BIK)
    assert error.value.code == "checksum"
    assert message(error) == "Correspondent account check digit is wrong for BIK 044525225."


def test_correspondent_account_must_start_with_301():
    with pytest.raises(RequisiteError) as error:
        validate_correspondent_account(SBERBANK_CLIENT_ACCOUNT, bik=SBERBANK_BIK)
    assert error.value.code == "format"
    assert message(error) == "Correspondent account must start with 301."


def test_correspondent_account_is_keyed_by_bik_digits_5_and_6():
    # Sberbank's correspondent account checked against a bank in another region's BIK (digits 5-6 differ).
    with pytest.raises(RequisiteError) as error:
        validate_correspondent_account("30101810400000000225", bik="044030653")
    assert error.value.code == "checksum"


def test_correspondent_account_wrong_length():
    with pytest.raises(RequisiteError) as error:
        validate_correspondent_account("3010181040000000022", bik=SBERBANK_BIK)
    assert message(error) == "Correspondent account must have 20 digits, not 19."


# --- Romania ----------------------------------------------------------------------------------------------


def test_cui_leading_zero():
    with pytest.raises(RequisiteError) as error:
        validate_cui("018547290")
    assert error.value.code == "format"
    assert message(error) == "CUI/CIF cannot start with 0."


def test_cui_prefix_alone_is_a_length_error():
    with pytest.raises(RequisiteError) as error:
        validate_cui("RO")
    assert message(error) == "CUI/CIF must have 2 to 10 digits, not 0."


def test_cui_other_country_prefix_is_letters():
    with pytest.raises(RequisiteError) as error:
        validate_cui("BG18547290")
    assert error.value.code == "digits"


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("X40/8302/1997", id="unknown-letter"),
        pytest.param("J99/8302/1997", id="unknown-county"),
        pytest.param("J40/8302/1989", id="before-1990"),
        pytest.param("J40/8302/2025", id="old-format-after-2024"),
        pytest.param("J40/8302/97", id="two-digit-year"),
        pytest.param("J40/123456/1997", id="serial-too-long"),
        pytest.param("J40.8302.1997", id="dots-are-not-separators"),
        pytest.param("J20120007505", id="new-format-too-short"),
        pytest.param("40/8302/1997", id="no-letter"),
    ],
)
def test_reg_com_wrong_format(raw):
    with pytest.raises(RequisiteError) as error:
        validate_reg_com(raw)
    assert error.value.code == "format"
    assert message(error) == "Reg. Com. number must look like J40/1234/2020 or J2020001234402."


def test_reg_com_new_format_check_digit():
    with pytest.raises(RequisiteError) as error:
        validate_reg_com("J2012000750529")
    assert error.value.code == "checksum"
    assert message(error) == "Reg. Com. number check digit is wrong."


# --- country tables and search ----------------------------------------------------------------------------


def test_every_country_field_has_a_label_and_a_validator():
    for fields in COUNTRY_REQUISITES.values():
        for field in fields:
            assert field in FIELD_LABELS
            assert field in VALIDATORS
    assert set(COUNTRY_REQUISITES) == {"RU", "UA", "RO", "MD"}
    assert "settlement_account" not in VALIDATORS
    assert "correspondent_account" not in VALIDATORS


def test_labels_are_english_source_strings():
    with override("en"):
        assert str(FIELD_LABELS["inn"]) == "INN"
        assert str(FIELD_LABELS["ogrn"]) == "OGRN/OGRNIP"


@pytest.mark.parametrize(
    ("country", "field"),
    [("RU", "inn"), ("UA", "edrpou"), ("RO", "cui"), ("MD", "idno"), ("ru", "inn"), (" md ", "idno"), ("DE", None), ("", None)],
)
def test_tax_id_field(country, field):
    assert tax_id_field(country) == field


@pytest.mark.parametrize("country", ["RU", "UA", "RO", "MD"])
def test_tax_id_field_is_one_of_the_country_requisites(country):
    assert tax_id_field(country) in COUNTRY_REQUISITES[country]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("7707083893", "7707083893", id="inn"),
        pytest.param("7707 083 893", "7707083893", id="inn-spaced"),
        pytest.param("500100732259", "500100732259", id="inn-person"),
        pytest.param("00032129", "00032129", id="edrpou-8"),
        pytest.param("1002600003778", "1002600003778", id="idno-13"),
        pytest.param("RO18547290", "18547290", id="cui-with-prefix"),
        pytest.param("ro 1590082", "1590082", id="cui-lowercase-prefix-short"),
        pytest.param("1234567", None, id="too-short"),
        pytest.param("30101810400000000225", None, id="account-too-long"),
        pytest.param("304500116000157", None, id="ogrnip-15-not-a-tax-id"),
        pytest.param("Sberbank", None, id="name"),
        pytest.param("7707O83893", None, id="letters"),
        pytest.param("RO", None, id="bare-prefix"),
        pytest.param("", None, id="empty"),
    ],
)
def test_looks_like_tax_id(query, expected):
    assert looks_like_tax_id(query) == expected


def test_stdnum_agrees_on_the_inns_used_here():
    # Guards the fixtures: if stdnum ever changes its mind, these tests should say so before anything else.
    for number in ("7707083893", "7736207543", "7736050003", "500100732259"):
        assert stdnum_inn.is_valid(number)
