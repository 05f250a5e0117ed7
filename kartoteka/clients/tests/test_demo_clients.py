"""The demo clients: valid requisites, bank keys, phones and emails, spread over the demo team, created once."""

from __future__ import annotations

from io import StringIO

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.core.validators import validate_email
from django.forms.models import model_to_dict
from stdnum import iban

from kartoteka.clients import requisites as rules
from kartoteka.clients.management.commands.demo_clients import CLIENT_COUNT, DEMO_TAG, Planner
from kartoteka.clients.models import Address, BankAccount, Client
from kartoteka.clients.services import REQUISITE_FIELDS
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind

pytestmark = pytest.mark.django_db


def demo_counts() -> dict[str, int]:
    demo = Client.objects.filter(tags__name=DEMO_TAG)
    return {
        "clients": demo.count(),
        "contacts": Contact.objects.filter(client__in=demo).count(),
        "points": ContactPoint.objects.filter(client__in=demo).count(),
        "bank_accounts": BankAccount.objects.filter(client__in=demo).count(),
        "addresses": Address.objects.filter(client__in=demo).count(),
        "history": Client.history.filter(id__in=demo.values("pk")).count(),  # type: ignore[attr-defined]
    }


def assert_valid_requisites(client: Client) -> None:
    """What a person editing the card would be told: every code passes its check-digit rule and belongs to the country."""
    codes = {name: value for name, value in model_to_dict(client.requisites, fields=REQUISITE_FIELDS).items() if value}
    for name, value in codes.items():
        if name in rules.VALIDATORS:
            assert rules.VALIDATORS[name](value) == value, (client.name, name, value)
    checked = set(codes) & set(rules.VALIDATORS)
    assert checked <= set(rules.COUNTRY_REQUISITES.get(client.country, [])), (client.name, client.country, checked)
    field = rules.tax_id_field(client.country)
    assert client.tax_id == (codes.get(field, "") if field else "")


def assert_valid_bank_account(account: BankAccount) -> None:
    if account.bik:
        rules.validate_settlement_account(account.account, bik=account.bik)
        rules.validate_correspondent_account(account.correspondent_account, bik=account.bik)
    else:
        assert iban.is_valid(account.iban), account.iban


def test_demo_data_creates_about_200_valid_clients_and_a_second_run_creates_nothing():
    call_command("demo_data", "--only", "clients", verbosity=0, stdout=StringIO())
    first = demo_counts()

    call_command("demo_data", "--only", "clients", verbosity=0, stdout=StringIO())

    assert demo_counts() == first
    assert first["clients"] == CLIENT_COUNT
    assert first["contacts"] >= CLIENT_COUNT  # one to four each
    assert first["history"] >= CLIENT_COUNT  # made through the services, so the cards have a history

    clients = list(
        Client.objects.filter(tags__name=DEMO_TAG)
        .select_related("requisites", "responsible", "team")
        .prefetch_related("bank_accounts", "contact_points", "contacts__roles")
    )
    for client in clients:
        assert_valid_requisites(client)
        for account in client.bank_accounts.all():
            assert_valid_bank_account(account)
        for point in client.contact_points.all():
            if point.kind == ContactPointKind.PHONE:
                assert phonenumbers.is_valid_number(phonenumbers.parse(point.value)), point.value
            elif point.kind == ContactPointKind.EMAIL:
                validate_email(point.value)
        contacts = list(client.contacts.all())
        assert 1 <= len(contacts) <= 4
        assert all(contact.roles.all() for contact in contacts), client.name
        assert client.responsible is not None
        assert client.team == client.responsible.team

    owners = {client.responsible.email for client in clients if client.responsible is not None}
    assert owners == {"manager@example.com", "manager2@example.com", "supervisor@example.com", "head@example.com"}
    countries = {client.country for client in clients}
    assert {"RU", "UA", "RO", "MD", "US"} <= countries
    assert sum(bool(client.tax_id) for client in clients) > CLIENT_COUNT // 2
    assert sum(client.bank_accounts.count() > 0 for client in clients) > CLIENT_COUNT // 5


def test_the_demo_plan_is_the_same_every_time():
    first = Planner().clients(20)
    again = Planner().clients(20)

    assert [(c.name, c.requisites, c.owner) for c in first] == [(c.name, c.requisites, c.owner) for c in again]
    assert len({c.name.casefold() for c in Planner().clients()}) == CLIENT_COUNT


def test_demo_clients_without_the_demo_users_says_what_to_run():
    with pytest.raises(CommandError, match="demo_data"):
        call_command("demo_clients", stdout=StringIO())


def test_a_wrong_check_digit_would_have_been_caught():
    """The check above is not vacuous: the validators the demo passes reject a changed digit."""
    planned = next(p for p in Planner().clients() if p.requisites.get("inn"))
    inn = planned.requisites["inn"]
    broken = inn[:-1] + str((int(inn[-1]) + 1) % 10)
    with pytest.raises(ValidationError):
        rules.validate_inn(broken)
