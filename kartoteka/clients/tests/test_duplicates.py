"""Likely duplicates: the live check (each rule, access) and the batch scan with its report."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.clients import services
from kartoteka.clients.duplicates import find_duplicates, name_similarity, scan_run
from kartoteka.clients.models import DuplicateGroup, DuplicateScan, DuplicateScanStatus
from kartoteka.contacts import services as contact_services
from kartoteka.jobs.models import Job
from kartoteka.jobs.services import job_run
from kartoteka.testing.factories import ClientFactory
from kartoteka.users import access

SBERBANK_INN = "7707083893"
GAZPROM_INN = "7736050003"
INVISIBLE_TAX_MESSAGE = (
    "A client with this INN already exists; it belongs to another manager — ask your supervisor before creating a new card."
)


def add_point(client, kind: str, value: str) -> None:
    contact_services.contact_point_save(actor=None, client=client, values={"kind": kind, "value": value})


# --- The live check ---------------------------------------------------------------------------------


def test_same_inn_typed_with_spaces_is_a_duplicate(world):
    manager = world.users["mgr_north1"]
    existing = ClientFactory(responsible=manager, name="Сбербанк", requisites={"inn": SBERBANK_INN})
    [hit] = find_duplicates(viewer=manager, name="Совсем другое", tax_id="7707 083 893")
    assert hit.client == existing
    assert hit.reasons == ["same INN"]
    assert hit.score == 100
    assert "Сбербанк" in hit.message


def test_same_phone_typed_in_another_format_is_a_duplicate(world):
    manager = world.users["mgr_north1"]
    existing = ClientFactory(responsible=manager, name="Альфа")
    add_point(existing, "phone", "+7 495 123-45-67")
    [hit] = find_duplicates(viewer=manager, phones=["8 (495) 123 45 67"])
    assert hit.client == existing
    assert hit.reasons == ["same phone +7 495 123-45-67"]


def test_same_email_in_other_case_is_a_duplicate(world):
    manager = world.users["mgr_north1"]
    existing = ClientFactory(responsible=manager, name="Бета")
    add_point(existing, "email", "info@beta.example")
    [hit] = find_duplicates(viewer=manager, emails=["  Info@Beta.EXAMPLE "])
    assert hit.client == existing
    assert hit.reasons == ["same email"]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("Ромашка", "same name"),
        ('ООО "Ромашка"', "same name"),
        ("АО «РОМАШКА»", "same name"),
        ("Romashka", None),
        ("Ромашко", "similar name (86%)"),
        ("Ромашка Плюс", "similar name (90%)"),
        ("Лютик", None),
    ],
)
def test_names_are_compared_without_legal_form_quotes_and_case(world, typed, reason):
    manager = world.users["mgr_north1"]
    ClientFactory(responsible=manager, name="Ромашка", legal_form=None)
    ClientFactory(responsible=manager, name="Лютиковый завод")
    hits = find_duplicates(viewer=manager, name=typed)
    assert [hit.reasons[0] for hit in hits if "Ромашка" in hit.client.name] == ([reason] if reason else [])


def test_word_order_and_a_longer_name_are_found(world):
    manager = world.users["mgr_north1"]
    ClientFactory(responsible=manager, name="Торговый дом Ромашка")
    [hit] = find_duplicates(viewer=manager, name="Ромашка торговый дом")
    assert hit.reasons == ["same name"]
    ClientFactory(responsible=manager, name="Сбербанк")
    [hit] = find_duplicates(viewer=manager, name="Россия Сбербанк")
    assert hit.reasons == ["similar name (90%)"]


def test_short_names_are_not_matched_by_containment():
    assert name_similarity("мир", "мир окон") < 85
    assert name_similarity("север", "северсталь") < 85
    assert name_similarity("белов", "белов, агафонов и воронов") < 85
    assert name_similarity("сбербанк", "сбербанк россии") >= 85


def test_a_colleagues_client_is_reported_without_its_name_or_id(world):
    foreign = ClientFactory(responsible=world.users["mgr_south"], name="Секретная Ромашка", requisites={"inn": SBERBANK_INN})
    add_point(foreign, "phone", "+7 495 765-43-21")
    [hit] = find_duplicates(
        viewer=world.users["mgr_north1"], name="Секретная Ромашка", tax_id=SBERBANK_INN, phones=["84957654321"]
    )
    assert hit.client is None
    assert hit.message == INVISIBLE_TAX_MESSAGE
    assert set(hit.reasons) == {"same INN", "same phone +7 495 765-43-21", "same name"}
    shown = " ".join([hit.message, *hit.reasons])
    assert "Секретная" not in shown
    assert str(foreign.pk) not in re.sub(r"\+7[\d\s-]+", "", shown)
    # Its supervisor's team does not include South, the head sees everything.
    [hit] = find_duplicates(viewer=world.users["head"], tax_id=SBERBANK_INN)
    assert hit.client == foreign


def test_more_rules_agreeing_rank_first_and_the_edited_client_is_excluded(world):
    manager = world.users["mgr_north1"]
    strong = ClientFactory(responsible=manager, name="Гамма", requisites={"inn": SBERBANK_INN})
    weak = ClientFactory(responsible=manager, name="Гамма")
    hits = find_duplicates(viewer=manager, name="Гамма", tax_id=SBERBANK_INN)
    assert [hit.client for hit in hits] == [strong, weak]
    assert hits[0].score == 100
    assert find_duplicates(viewer=manager, name="Гамма", exclude_id=weak.pk)[0].client == strong
    assert len(find_duplicates(viewer=manager, name="Гамма", limit=1)) == 1


def test_the_live_check_runs_the_same_queries_for_few_and_many_clients(world):
    manager = world.users["mgr_north1"]
    ClientFactory(responsible=manager, name="Ромашка", requisites={"inn": SBERBANK_INN})

    def queries() -> int:
        access.forget(manager)
        with CaptureQueriesContext(connection) as captured:
            find_duplicates(
                viewer=manager, name="Ромашка Плюс", tax_id=SBERBANK_INN, phones=["+7 495 1234567"], emails=["a@b.example"]
            )
        return len(captured)

    few = queries()
    for number in range(30):
        ClientFactory(responsible=manager, name=f"Ромашка {number}")
    # tax id, phones and emails, 2 name probes × (after, before), the hits, the viewer's roles:
    # a fixed number of indexed lookups, never a walk over the table.
    assert queries() == few == 8


# --- The batch scan and its report --------------------------------------------------------------------


@pytest.fixture
def scanned(world, client_for, django_capture_on_commit_callbacks):
    """Clients with duplicates of every kind, scanned by the head of sales through the report's button."""
    north, south = world.users["mgr_north1"], world.users["mgr_south"]
    data = {
        "tax_a": ClientFactory(responsible=north, name="Сбербанк", requisites={"inn": SBERBANK_INN}),
        "tax_b": ClientFactory(responsible=north, name="Сбер ПАО", requisites={"inn": SBERBANK_INN}),
        "phone_a": ClientFactory(responsible=north, name="Альфа"),
        "phone_b": ClientFactory(responsible=south, name="Омега"),
        "name_a": ClientFactory(responsible=south, name="Ромашка"),
        "name_b": ClientFactory(responsible=south, name="ООО «Ромашко»"),
        "alone": ClientFactory(responsible=north, name="Уникальная компания", requisites={"inn": GAZPROM_INN}),
    }
    add_point(data["phone_a"], "phone", "+7 495 123-45-67")
    add_point(data["phone_b"], "phone", "8 495 123 45 67")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.users["head"]).post("/clients/duplicates/run/")
    assert response.status_code == 302
    job = Job.objects.get(name="kartoteka.clients.tasks.scan_duplicates")
    assert job_run(job.pk) == "succeeded"
    return data


def test_the_scan_groups_duplicates_by_each_rule(scanned):
    scan = DuplicateScan.objects.get()
    assert scan.status == DuplicateScanStatus.FINISHED
    assert scan.processed == scan.total == 7
    groups = {
        frozenset(group.members.values_list("client_id", flat=True)): [r["rule"] for r in group.reasons]
        for group in DuplicateGroup.objects.all()
    }
    assert groups == {
        frozenset({scanned["tax_a"].pk, scanned["tax_b"].pk}): ["tax_id"],
        frozenset({scanned["phone_a"].pk, scanned["phone_b"].pk}): ["phone"],
        frozenset({scanned["name_a"].pk, scanned["name_b"].pk}): ["similar_name"],
    }


def test_the_report_shows_only_groups_the_viewer_can_see(scanned, world, client_for):
    head_page = client_for(world.users["head"]).get("/clients/duplicates/").content.decode()
    assert "same INN 7707083893" in head_page
    assert "same phone +7 495 123-45-67" in head_page
    assert "similar name (86%)" in head_page
    assert f"/clients/{scanned['tax_a'].pk}/merge/?with={scanned['tax_b'].pk}" in head_page

    # North's manager sees the INN pair (both theirs), not the phone pair (one is South's), not South's names.
    page = client_for(world.users["mgr_north1"]).get("/clients/duplicates/").content.decode()
    assert "same INN 7707083893" in page
    assert "same phone" not in page
    assert "Омега" not in page
    assert "Ромашк" not in page
    assert "Run scan now" not in page


def test_a_manager_cannot_start_a_scan(world, client_for):
    assert client_for(world.users["mgr_north1"]).post("/clients/duplicates/run/").status_code == 403
    assert not DuplicateScan.objects.exists()


def test_the_report_without_a_scan_says_what_to_do(world, client_for):
    page = client_for(world.users["head"]).get("/clients/duplicates/").content.decode()
    assert "The duplicate scan has not run yet. Run it now" in page
    assert "Run scan now" in page


def test_progress_is_polled_and_the_page_reloads_when_the_scan_is_done(world, client_for, django_capture_on_commit_callbacks):
    head = client_for(world.users["head"])
    with django_capture_on_commit_callbacks(execute=True):
        status = head.post("/clients/duplicates/run/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in status.content.decode()
    # A second click while it waits does not queue another scan.
    head.post("/clients/duplicates/run/")
    assert DuplicateScan.objects.count() == 1
    job_run(Job.objects.get().pk)
    response = head.get("/clients/duplicates/status/?shown=", headers={"HX-Request": "true"})
    assert response.headers["HX-Refresh"] == "true"


def test_the_report_runs_the_same_queries_for_few_and_many_groups(scanned, world, client_for, django_assert_num_queries):
    manager = world.users["mgr_north1"]
    browser = client_for(manager)
    browser.get("/clients/duplicates/")  # warm the session and the user
    # user, roles (access context), latest finished scan, latest scan, groups page, their visible members
    with django_assert_num_queries(6):
        browser.get("/clients/duplicates/")
    for number in range(10):
        ClientFactory(responsible=manager, name=f"Дубль {number}", requisites={"inn": GAZPROM_INN})
        ClientFactory(responsible=manager, name=f"Копия {number}")
    DuplicateScan.objects.all().delete()
    scan = DuplicateScan.objects.create()
    scan_run(scan.pk)
    with django_assert_num_queries(6):
        page = browser.get("/clients/duplicates/").content.decode()
    assert "Дубль 9" in page


def test_a_merged_group_leaves_the_report(scanned, world, client_for):
    services.client_merge(actor=world.users["head"], survivor=scanned["tax_a"], absorbed=scanned["tax_b"])
    page = client_for(world.users["head"]).get("/clients/duplicates/").content.decode()
    assert "same INN" not in page
    assert "same phone +7 495 123-45-67" in page
