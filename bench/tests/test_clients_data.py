"""The clients and contacts generators: idempotent, topped up at a larger scale, reproducible, and valid data.

Nothing here asserts a duration: performance is shown by `make bench`, never by timed tests.
"""

from __future__ import annotations

from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from bench.generators.clients import MANAGER_PERSONA_EVERY, MANAGER_PERSONA_FIRST, bench_clients
from bench.personas import MANAGER, PERSONAS
from kartoteka.clients import requisites as rules
from kartoteka.clients.models import Client, Requisites
from kartoteka.clients.names import name_key
from kartoteka.clients.services import REQUISITE_FIELDS
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind
from kartoteka.contacts.normalize import phone_search_key

pytestmark = pytest.mark.django_db

TINY = 0.002  # 200 clients, about 600 contacts


def generate(scale: float) -> None:
    call_command("bench_data", scale=scale, seed=7, only=["teams", "users", "clients", "contacts"], stdout=StringIO())


def client_row_counts() -> dict[str, int]:
    clients = bench_clients()
    return {
        "clients": clients.count(),
        "requisites": Requisites.objects.filter(client__in=clients).count(),
        "tag_links": Client.tags.through.objects.filter(client__in=clients).count(),
        "contacts": Contact.objects.filter(client__in=clients).count(),
        "role_links": Contact.roles.through.objects.filter(contact__client__in=clients).count(),
        "points": ContactPoint.objects.filter(client__in=clients).count(),
    }


def first_clients(count: int) -> list[tuple[str, str, str]]:
    return list(bench_clients().order_by("pk").values_list("name", "tax_id", "responsible__email")[:count])


def test_generating_clients_twice_at_the_same_scale_creates_nothing_new():
    generate(TINY)
    first = client_row_counts()

    generate(TINY)

    assert client_row_counts() == first
    assert first["clients"] == 200
    assert first["requisites"] == 200  # every client has its requisites row, as the service makes it
    assert 450 <= first["contacts"] <= 750  # three per client on average
    assert first["points"] > 200


def test_a_larger_scale_tops_up_clients_without_changing_the_first_ones():
    generate(TINY)
    before = first_clients(200)

    generate(TINY * 5)
    topped_up = client_row_counts()
    generate(TINY * 5)

    assert client_row_counts() == topped_up
    assert topped_up["clients"] == 1000
    assert first_clients(200) == before
    # Every client got its contacts exactly once: primary contacts are at most one per client.
    assert Contact.objects.filter(client__in=bench_clients(), is_primary=True).count() <= 1000


def test_the_same_seed_gives_the_same_clients():
    generate(TINY)
    first = first_clients(200)
    bench_clients().delete()

    generate(TINY)

    assert first_clients(200) == first


def test_bench_clients_have_what_the_services_would_have_derived():
    generate(TINY)
    clients = list(bench_clients().select_related("requisites", "responsible"))

    with_tax_id = 0
    for client in clients:
        assert client.name_key == name_key(client.name)
        codes = {k: v for k, v in model_to_dict(client.requisites, fields=REQUISITE_FIELDS).items() if v}
        for code, value in codes.items():
            if code in rules.VALIDATORS:
                assert rules.VALIDATORS[code](value) == value, (client.name, code, value)
        tax_field = rules.tax_id_field(client.country)
        assert client.tax_id == (codes.get(tax_field, "") if tax_field else "")
        with_tax_id += bool(client.tax_id)
        assert client.team_id == client.responsible.team_id
    assert 0.4 < with_tax_id / len(clients) < 0.8  # about 60%

    for point in ContactPoint.objects.filter(client__in=bench_clients(), kind=ContactPointKind.PHONE):
        assert phonenumbers.is_valid_number(phonenumbers.parse(point.value)), point.value
        assert point.search_key == phone_search_key(point.value)


def test_the_manager_persona_owns_a_predictable_share():
    generate(TINY * 5)

    numbers = [
        number
        for number, email in enumerate(bench_clients().order_by("pk").values_list("responsible__email", flat=True), start=1)
        if email == PERSONAS[MANAGER].email
    ]

    expected = [n for n in range(1, 1001) if n <= MANAGER_PERSONA_FIRST or n % MANAGER_PERSONA_EVERY == 0]
    assert numbers == expected
