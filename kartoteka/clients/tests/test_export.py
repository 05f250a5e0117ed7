"""Export of the client list to XLSX and CSV: the current filter, only visible clients, no N+1."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.clients import exports, services
from kartoteka.clients.models import Client, ClientCategory
from kartoteka.contacts.models import ContactPoint
from kartoteka.customfields.models import CustomField
from kartoteka.testing.factories import ClientFactory, reference

URL = "/clients/export/"


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def csv_bytes(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_xlsx_holds_only_the_clients_the_user_sees_with_translated_headers(world, client_for):
    manager = world.users["mgr_north1"]
    own = ClientFactory(responsible=manager, name="Альфа", category=reference(ClientCategory, "vip"), tags=["опт", "b2b"])
    ClientFactory(responsible=world.users["mgr_south"], name="Чужая")
    rows = xlsx_rows(client_for(manager).get(URL, {"format": "xlsx"}))
    header, *data = rows
    assert header[:6] == ["ID", "Name", "Legal form", "Kind", "Tax ID", "Category"]
    assert [row[1] for row in data] == ["Альфа"]
    record = dict(zip(header, data[0], strict=True))
    assert record["ID"] == own.pk
    assert record["Category"] == "VIP"
    assert record["Tags"] == "b2b, опт"
    assert record["Responsible"] == manager.get_full_name()


def test_the_export_follows_the_current_search_filters_and_sort(world, client_for, django_capture_on_commit_callbacks):
    head = world.users["head"]
    vip, a = reference(ClientCategory, "vip"), reference(ClientCategory, "a")
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows committed changes
        for name, category in (("Бета", vip), ("Альфа", vip), ("Гамма", a), ("Дельта", None)):
            ClientFactory(responsible=world.users["mgr_north1"], name=name, category=category)
    rows = xlsx_rows(client_for(head).get(URL, {"format": "xlsx", "category": vip.pk, "sort": "-name", "offset": "50"}))
    assert [row[1] for row in rows[1:]] == ["Бета", "Альфа"]
    rows = xlsx_rows(client_for(head).get(URL, {"format": "xlsx", "q": "гам"}))
    assert [row[1] for row in rows[1:]] == ["Гамма"]


def test_csv_for_excel_is_utf8_with_bom_and_semicolons(world, client_for):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager, name="Ромашка; и сыновья")
    services.client_update(actor=manager, client=client, changes={"wallet_share": Decimal("12.50")})
    response = client_for(manager).get(URL, {"format": "csv_excel"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = csv_bytes(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Name"] == "Ромашка; и сыновья"
    assert record["Share of wallet, %"] == "12,50"  # a decimal comma, as Excel in Russian reads numbers


def test_plain_csv_is_utf8_with_commas(world, client_for):
    manager = world.users["mgr_north1"]
    ClientFactory(responsible=manager, name="Ёлка, ООО")
    raw = csv_bytes(client_for(manager).get(URL, {"format": "csv"}))
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[1][1] == "Ёлка, ООО"


def test_cp1251_csv_decodes_in_windows_1251(world, client_for):
    manager = world.users["mgr_north1"]
    ClientFactory(responsible=manager, name="Щука")
    response = client_for(manager).get(URL, {"format": "csv_cp1251"})
    assert response["Content-Type"] == "text/csv; charset=windows-1251"
    rows = list(csv.reader(io.StringIO(csv_bytes(response).decode("cp1251")), delimiter=";"))
    assert rows[1][1] == "Щука"


def test_spreadsheet_formulas_in_data_are_never_run(world, client_for):
    manager = world.users["mgr_north1"]
    ClientFactory(responsible=manager, name='=HYPERLINK("http://evil.example")')
    http = client_for(manager)
    rows = list(csv.reader(io.StringIO(csv_bytes(http.get(URL, {"format": "csv"})).decode("utf-8"))))
    assert rows[1][1].startswith("'=")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(http.get(URL, {"format": "xlsx"}).streaming_content)))
    cell = workbook.active.cell(row=2, column=2)
    assert cell.data_type == "s"


def test_custom_fields_are_exported(world, client_for):
    manager = world.users["mgr_north1"]
    CustomField.objects.create(entity="client", code="turnover_plan", name_en="Turnover plan", kind="number")
    client = ClientFactory(responsible=manager, name="Альфа")
    services.client_update(actor=manager, client=client, changes={}, custom_fields={"turnover_plan": "1500.5"})
    header, row = xlsx_rows(client_for(manager).get(URL, {"format": "xlsx"}))
    assert row[header.index("Turnover plan")] == 1500.5


def _bulk(count: int, user) -> None:
    clients = Client.objects.bulk_create(Client(name=f"К{n:04d}", responsible=user, team=user.team) for n in range(count))
    ContactPoint.objects.bulk_create(
        ContactPoint(client=c, kind="phone", value="+74951234567", search_key="4951234567") for c in clients
    )


def test_an_export_runs_the_same_queries_for_10_and_for_300_clients(world, client_for):
    manager = world.users["mgr_north1"]
    http = client_for(manager)
    _bulk(10, manager)
    with CaptureQueriesContext(connection) as small:
        assert len(xlsx_rows(http.get(URL, {"format": "xlsx"}))) == 11
    _bulk(290, manager)
    with CaptureQueriesContext(connection) as large:
        assert len(xlsx_rows(http.get(URL, {"format": "xlsx"}))) == 301
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_export_over_the_limit_asks_to_narrow_the_filter(world, client_for, monkeypatch):
    manager = world.users["mgr_north1"]
    _bulk(3, manager)
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 2)
    response = client_for(manager).get(URL, {"format": "xlsx", "sort": "-name"})
    assert response.status_code == 302
    assert response["Location"] == "/clients/?sort=-name"
    assert any("at most 2 rows" in str(message) for message in get_messages(response.wsgi_request))


def test_a_user_without_client_access_cannot_export(world, client_for, user_factory):
    assert client_for(user_factory()).get(URL).status_code == 403
