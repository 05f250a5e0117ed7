"""Export of a client list (the current search, filters and sort) to XLSX and CSV.

The queryset comes from :func:`kartoteka.clients.selectors.clients_for_export`, so it starts from
the access policy, joins every reference the columns read and prefetches tags and phones per
chunk of rows: an export of 100,000 clients runs a few dozen queries, not a few per row.
Rows are written as they are read (openpyxl's write-only mode; CSV is streamed to the browser), so
memory stays flat however large the export.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kartoteka.clients import selectors
from kartoteka.clients.models import Client, ClientKind, FirstContactReason, PlanningMethod, SalesKind, SalesMode
from kartoteka.customfields import lists as custom_field_lists

EXPORT_LIMIT = 100_000
CHUNK_SIZE = 2_000
FORMATS = {
    "xlsx": gettext_lazy("Excel (XLSX)"),
    "csv_excel": gettext_lazy("CSV for Excel (UTF-8, semicolon)"),
    "csv_cp1251": gettext_lazy("CSV, Windows-1251 (semicolon)"),
    "csv": gettext_lazy("CSV (UTF-8, comma)"),
}
# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportColumn:
    header: Any
    value: Callable[[Client], Any]


def _name(obj: models.Model | None) -> str:
    return getattr(obj, "name", "") if obj is not None else ""


def _person(user: Any) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    # Spreadsheets have no time zones: local wall-clock time of the exporting user.
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def _phone(client: Client) -> str:
    from kartoteka.contacts.normalize import format_phone

    value = selectors.primary_phone(client)
    return format_phone(value) if value else ""


def _labels(choices: Iterable[tuple[str, Any]]) -> Callable[[str], str]:
    """A choice's label, translated once per export (``get_FOO_display`` translates on every call)."""
    labels = {value: str(label) for value, label in choices}
    return lambda value: labels.get(value, value)


def base_columns() -> list[ExportColumn]:
    kind, sales_mode, sales_kind = _labels(ClientKind.choices), _labels(SalesMode.choices), _labels(SalesKind.choices)
    planning, reason = _labels(PlanningMethod.choices), _labels(FirstContactReason.choices)
    return [
        ExportColumn(gettext_lazy("ID"), lambda c: c.pk),
        ExportColumn(pgettext_lazy("client", "Name"), lambda c: c.name),
        ExportColumn(
            gettext_lazy("Legal form"), lambda c: (c.legal_form.abbreviation or c.legal_form.name) if c.legal_form else ""
        ),
        ExportColumn(gettext_lazy("Kind"), lambda c: kind(c.kind)),
        ExportColumn(gettext_lazy("Tax ID"), lambda c: c.tax_id),
        ExportColumn(gettext_lazy("Category"), lambda c: _name(c.category)),
        ExportColumn(gettext_lazy("Priority"), lambda c: _name(c.priority)),
        ExportColumn(gettext_lazy("Client type"), lambda c: _name(c.client_type)),
        ExportColumn(gettext_lazy("Segment"), lambda c: _name(c.segment)),
        ExportColumn(gettext_lazy("Line of business"), lambda c: _name(c.industry)),
        ExportColumn(gettext_lazy("Size"), lambda c: _name(c.size)),
        ExportColumn(gettext_lazy("Country"), lambda c: c.country),
        ExportColumn(gettext_lazy("Territory"), lambda c: _name(c.territory)),
        ExportColumn(gettext_lazy("Responsible"), lambda c: _person(c.responsible)),
        ExportColumn(gettext_lazy("Supervisor"), lambda c: _person(c.supervisor)),
        ExportColumn(gettext_lazy("Team"), lambda c: _name(c.team)),
        ExportColumn(gettext_lazy("Phone"), _phone),
        ExportColumn(gettext_lazy("Tags"), lambda c: ", ".join(tag.name for tag in c.tags.all())),
        ExportColumn(gettext_lazy("Sales mode"), lambda c: sales_mode(c.sales_mode)),
        ExportColumn(gettext_lazy("Sales kind"), lambda c: sales_kind(c.sales_kind)),
        ExportColumn(gettext_lazy("Planning method"), lambda c: planning(c.planning_method)),
        ExportColumn(gettext_lazy("Terms package"), lambda c: _name(c.terms_package)),
        ExportColumn(gettext_lazy("Source"), lambda c: _name(c.source)),
        ExportColumn(gettext_lazy("Reason of first contact"), lambda c: reason(c.first_contact_reason)),
        ExportColumn(gettext_lazy("Loyalty"), lambda c: c.loyalty),
        ExportColumn(gettext_lazy("Annual turnover"), lambda c: c.annual_turnover),
        ExportColumn(gettext_lazy("Sales potential"), lambda c: c.potential_amount),
        ExportColumn(gettext_lazy("Share of wallet, %"), lambda c: c.wallet_share),
        ExportColumn(gettext_lazy("Website"), lambda c: c.website),
        ExportColumn(gettext_lazy("Created"), lambda c: _local(c.created_at)),
        ExportColumn(gettext_lazy("Updated"), lambda c: _local(c.updated_at)),
        ExportColumn(gettext_lazy("Last contact"), lambda c: _local(c.last_contact_at)),
        ExportColumn(gettext_lazy("Contract number"), lambda c: c.contract_number),
        ExportColumn(gettext_lazy("Contract signed"), lambda c: c.contract_signed_on),
        ExportColumn(gettext_lazy("Contract valid until"), lambda c: c.contract_valid_until),
    ]


def client_export_columns() -> list[ExportColumn]:
    """The fixed columns plus one per active custom field."""
    columns = base_columns()
    columns.extend(ExportColumn(header, getter) for header, getter in custom_field_lists.export_columns("client"))
    return columns


def too_many(queryset: models.QuerySet[Client]) -> bool:
    """More rows than an export holds? Counts at most EXPORT_LIMIT + 1 rows."""
    return queryset.order_by().values("pk")[: EXPORT_LIMIT + 1].count() > EXPORT_LIMIT


def rows(queryset: models.QuerySet[Client], columns: list[ExportColumn]) -> Iterator[list[Any]]:
    """Typed cell values, row by row; related rows come prefetched per chunk of CHUNK_SIZE clients.

    A streamed response is read after the view has returned: the request's language and time zone
    are captured now and applied while rows are produced.
    """
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    with translation.override(language), timezone.override(zone):
        for client in queryset[:EXPORT_LIMIT].iterator(chunk_size=CHUNK_SIZE):
            yield [column.value(client) for column in columns]


def _filename(extension: str, stem: str = "clients") -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def export_response(queryset: models.QuerySet[Client], *, file_format: str) -> HttpResponseBase:
    columns = client_export_columns()
    headers = [str(column.header) for column in columns]
    if file_format == "xlsx":
        return xlsx_response(headers, rows(queryset, columns))
    return csv_response(headers, rows(queryset, columns), variant=file_format)


# --- XLSX ------------------------------------------------------------------------------------------


def xlsx_response(headers: list[str], data: Iterable[list[Any]], *, title: str = "", stem: str = "clients") -> FileResponse:
    """``title`` names the sheet (default: "Clients"), ``stem`` starts the file name; other lists export through it too."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or _("Clients"))[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    sheet.freeze_panes = "B2"
    for values in data:
        sheet.append([_xlsx_cell(sheet, value, WriteOnlyCell) for value in values])
    # The sheet is written to a temporary file as rows arrive; only the zip step needs the whole file.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=_filename("xlsx", stem),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _xlsx_cell(sheet: Any, value: Any, cell_class: Any) -> Any:
    if isinstance(value, str) and value.startswith("="):
        cell = cell_class(sheet, value=value)
        cell.data_type = "s"  # text the user typed, never a formula
        return cell
    return value


# --- CSV -------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns the line: csv.writer feeds a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_text(value: Any, *, decimal_comma: bool, yes_no: tuple[str, str] = ("yes", "no")) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if isinstance(value, Decimal | float):
        text = format(value, "f")
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime.datetime):
        return value.strftime("%d.%m.%Y %H:%M") if decimal_comma else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y") if decimal_comma else value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text  # shown as text, never run as a formula
    return text


def csv_response(headers: list[str], data: Iterable[list[Any]], *, variant: str, stem: str = "clients") -> StreamingHttpResponse:
    """``csv``: UTF-8 with commas; ``csv_excel``: UTF-8 with BOM and semicolons, as Excel in Russian
    expects; ``csv_cp1251``: Windows-1251 with semicolons, for older Excel and 1C (unencodable → "?")."""
    excel = variant in ("csv_excel", "csv_cp1251")
    encoding = "cp1251" if variant == "csv_cp1251" else "utf-8"
    writer = csv.writer(_Echo(), delimiter=";" if excel else ",")
    yes_no = (_("yes"), _("no"))

    def lines() -> Iterator[bytes]:
        if variant == "csv_excel":
            yield "\ufeff".encode()
        yield writer.writerow(headers).encode(encoding, errors="replace")  # type: ignore[func-returns-value]
        for values in data:
            line = writer.writerow([_csv_text(value, decimal_comma=excel, yes_no=yes_no) for value in values])  # type: ignore[func-returns-value]
            yield line.encode(encoding, errors="replace")

    charset = "windows-1251" if encoding == "cp1251" else "utf-8"
    response = StreamingHttpResponse(lines(), content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv", stem)}"'
    return response
