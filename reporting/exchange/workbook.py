"""The workbook format: sheets, columns, and how cells are written.

The export *is* the import format (Decidim's users complained when they
differed): the same sheets and headers are read back by `reporting.exchange.importer`.
Every data sheet ends with a hidden "Id" column, so rows are matched by identity
(sorting a sheet is not an edit); rows without an id are matched by number
(directions, initiatives) or by their values.

Cells are made for people, in Excel and in LibreOffice (frozen header, filter,
wrapped text with explicit row heights, named fonts, drop-downs with Danish
labels, real dates and numbers; text columns keep the text format in the empty
rows below the data, so "December 2026" or "8.10" typed there stays text; a
landscape, fit-to-width print setup with the header row repeated) and are safe
to open: a text that starts like a formula is written as text with Excel's quote
prefix, never as a formula. Characters an xlsx cannot hold (carriage return,
other control characters) are written as Excel's own `_xHHHH_` escapes and
restored on import.
"""

import math
import re
from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.models import Frequency, GoodDirection, MeasurementPeriod
from initiatives.models import BudgetLine, Initiative, Period, Phase, Status

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_INSTRUCTIONS = "Vejledning"
SHEET_PLAN = "Plan"
SHEET_DIRECTIONS = "Retninger"
SHEET_INITIATIVES = "Initiativer"
SHEET_ACTIVITIES = "Aktiviteter"
SHEET_STATUS = "Statushistorik"
SHEET_BUDGET = "Budgetlinjer"
SHEET_INDICATORS = "Indikatorer"
SHEET_MEASUREMENTS = "Målinger"
# Sheets an older file may lack: the import then leaves what they hold untouched.
OPTIONAL_SHEETS = {SHEET_INDICATORS, SHEET_MEASUREMENTS}

YES, NO = "Ja", "Nej"
DATE_FORMAT = "DD-MM-YYYY"
FONT = "Calibri"  # openpyxl's default body font; LibreOffice shows it as the metric-equal Carlito
MONEY_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text, code, int, date, datetime, money, list, links, bool, user, or a choice name
    width: int = 30
    optional: bool = False  # the column may be missing from a file (older exports, the template)


def choices() -> dict[str, dict[str, str]]:
    """Code → Danish label for every drop-down column, whatever the user's language."""
    with translation.override("da"):
        return {
            "status": {code: str(label) for code, label in Status.choices},
            "phase": {code: str(label) for code, label in Phase.choices if code},
            "period": {code: str(label) for code, label in Period.choices},
            "initiative_kind": {code: str(label) for code, label in Initiative.Kind.choices},
            "budget_kind": {code: str(label) for code, label in BudgetLine.Kind.choices},
            "bool": {"true": YES, "false": NO},
            "good_direction": {code: str(label) for code, label in GoodDirection.choices},
            "frequency": {code: str(label) for code, label in Frequency.choices if code},
            "measurement_period": {code: str(label) for code, label in MeasurementPeriod.choices},
        }


CHOICE_KINDS = {"status", "phase", "period", "initiative_kind", "budget_kind", "bool", "good_direction", "frequency",
                "measurement_period"}

# The plan sheet is a list of fields (Felt | Værdi), one per row.
PLAN_FIELDS = [
    Column("slug", "Kort navn", "code"),
    Column("title", "Titel"),
    Column("organization", "Kommune (kort navn)", "code"),
    Column("period_start", "Periode fra (år)", "int"),
    Column("period_end", "Periode til (år)", "int"),
    Column("adopted_on", "Vedtaget den", "date"),
    Column("adopted_by", "Vedtaget af"),
    Column("intro", "Indledning"),
    Column("vision", "Vision"),
    Column("direction_label", "Betegnelse for retning"),
    Column("direction_label_plural", "Betegnelse for retninger (flertal)"),
    Column("initiative_label", "Betegnelse for initiativ"),
    Column("initiative_label_plural", "Betegnelse for initiativer (flertal)"),
    # The labels' grammar (masterplan.nouns), so sentences keep agreeing after a round trip.
    # A file from before these rows existed gets them from the label (nouns.complete_label_forms).
    Column("direction_label_gender", "Køn for retning (en/et)", "code", optional=True),
    Column("direction_label_definite", "Retning i bestemt form", optional=True),
    Column("direction_label_plural_definite", "Retninger i bestemt form flertal", optional=True),
    Column("initiative_label_gender", "Køn for initiativ (en/et)", "code", optional=True),
    Column("initiative_label_definite", "Initiativ i bestemt form", optional=True),
    Column("initiative_label_plural_definite", "Initiativer i bestemt form flertal", optional=True),
    Column("stale_after_days", "Opdatering forventes hver (dage)", "int"),
    Column("published", "Offentliggjort", "bool"),
    Column("extract", "Udsnit", optional=True),
    # The last audit entry the export saw: rows changed in the portal after it are conflicts.
    Column("history", "Eksporteret fra historik nr.", "code", optional=True),
]
PLAN_HEADERS = ("Felt", "Værdi")

SHEETS: dict[str, list[Column]] = {
    SHEET_DIRECTIONS: [
        Column("number", "Nummer", "code", 12),
        Column("title", "Kort titel", width=30),
        Column("statement", "Formulering", width=60),
        Column("goal", "Mål", width=50),
        Column("purpose", "Formål", width=50),
        Column("description", "Beskrivelse", width=60),
        Column("success_criteria", "Succeskriterier", "list", 50),
        Column("focus_points", "Fokuspunkter", "list", 50),
    ],
    SHEET_INITIATIVES: [
        Column("number", "Nummer", "code", 12),
        Column("direction", "Retning", "code", 12),
        Column("kind", "Type", "initiative_kind", 12),
        Column("title", "Titel", width=40),
        Column("description", "Beskrivelse", width=60),
        Column("goal", "Mål", width=50),
        Column("purpose", "Formål", width=50),
        Column("follow_up", "Implementering og opfølgning", width=50),
        Column("deadline", "Tidsplan/frist", width=20),
        Column("success_criteria", "Succeskriterier", "list", 50),
        Column("expected_outcomes", "Forventede resultater", "list", 50),
        Column("actions", "Konkrete handlinger", "list", 50),
        Column("responsible", "Ansvarlig", width=25),
        Column("responsible_user", "Ansvarlig bruger", "user", 18),
        Column("start_date", "Startdato", "date", 13),
        Column("end_date", "Slutdato", "date", 13),
        Column("funding_amount", "Bevilling (kr.)", "money", 16),
        Column("funding_source", "Bevilget af", width=25),
        Column("status", "Status", "status", 20),
        Column("phase", "Fase", "phase", 16),
        Column("cross_links", "Understøtter også retning", "links", 16),
    ],
    SHEET_ACTIVITIES: [
        Column("initiative", "Initiativ", "code", 12),
        Column("year", "År", "int", 8),
        Column("period", "Periode", "period", 14),
        Column("text", "Aktivitet", width=70),
        Column("responsible", "Ansvarlig", width=25),
        Column("deadline", "Frist", width=18),
        Column("done", "Udført", "bool", 9),
    ],
    SHEET_STATUS: [
        Column("initiative", "Initiativ", "code", 12),
        Column("created_at", "Tidspunkt", "datetime", 20),
        Column("status", "Status", "status", 20),
        Column("phase", "Fase", "phase", 16),
        Column("note", "Bemærkning", width=60),
        Column("author", "Af", "user", 18),
    ],
    SHEET_BUDGET: [
        Column("initiative", "Initiativ", "code", 12),
        Column("year", "År", "int", 8),
        Column("amount", "Beløb (kr.)", "money", 16),
        Column("label", "Tekst", width=50),
        Column("kind", "Art", "budget_kind", 14),
    ],
    SHEET_INDICATORS: [
        Column("name", "Navn", width=40), Column("unit", "Enhed", width=10),
        Column("description", "Beskrivelse", width=60), Column("source", "Kilde", width=25),
        Column("directions", "Retninger", "links", 12), Column("initiatives", "Initiativer", "links", 14),
        Column("baseline_value", "Udgangspunkt", "number", 14), Column("baseline_date", "Udgangspunkt pr.", "date", 13),
        Column("target_value", "Mål", "number", 12), Column("target_date", "Mål nås senest", "date", 13),
        Column("good_direction", "Retning for det gode", "good_direction", 18),
        Column("frequency", "Forventet måling", "frequency", 16), Column("responsible", "Ansvarlig", width=25),
    ],
    SHEET_MEASUREMENTS: [
        Column("indicator", "Indikator", width=40), Column("period", "Periode", "measurement_period", 12),
        Column("date", "Dato", "date", 13), Column("value", "Værdi", "number", 12),
        Column("note", "Note", width=40), Column("author", "Indberettet af", "user", 18),
    ],
}
ID = Column("id", "Id", "int", 8, optional=True)
for _columns in SHEETS.values():
    _columns.append(ID)  # last, hidden, inside the filter range so that sorting moves it with its row
SHEET_ORDER = [SHEET_PLAN, *SHEETS]


def header(sheet: str, key: str) -> str:
    """The header of the column `key` on the sheet `sheet` (a problem's column)."""
    return next(column.header for column in SHEETS[sheet] if column.key == key)

# --- cell values -----------------------------------------------------------------

_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE_LITERAL = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_text(text: str) -> str:
    """Excel's own escaping (ECMA-376 ST_Xstring): control characters as _xHHHH_."""
    text = _ESCAPE_LITERAL.sub(r"_x005F_\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def unescape_text(text: str) -> str:
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def cell_value(column: Column, value, labels: dict):
    """The value written to the cell for a model value of `column`."""
    kind = column.kind
    if value is None or value == "":
        return None
    if kind in labels:
        return labels[kind].get("true" if value is True else "false" if value is False else value, value)
    if kind == "list":
        return "\n".join(value) or None
    if kind in ("money", "number"):
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if kind == "datetime":
        # Text with the full precision and the offset: a spreadsheet keeps only milliseconds,
        # and the local hour repeated when summer time ends would be ambiguous.
        return timezone.localtime(value).isoformat(sep=" ")
    if kind == "code":
        return str(value)
    return value


NUMBER_FORMATS = {"date": DATE_FORMAT, "money": MONEY_FORMAT}
TEXT_KINDS = {"code", "links", "text", "list", "user", "datetime"}
LINE_HEIGHT = 15  # points per line of Calibri 11
MAX_ROW_HEIGHT = 409  # Excel's limit


def number_format(column: Column) -> str:
    return NUMBER_FORMATS.get(column.kind, "@" if column.kind in TEXT_KINDS else "General")


def row_height(columns, values) -> float | None:
    """The height a row of wrapped text needs (LibreOffice does not grow rows of files it did
    not write itself), or None for one line."""
    lines = 1
    for column, value in zip(columns, values):
        if isinstance(value, str) and column.kind not in {"code", "datetime"}:
            per_line = max(int(column.width * 0.9), 1)  # characters per line, word wrapping included
            lines = max(lines, sum(len(part) // per_line + 1 for part in value.split("\n")))
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT) if lines > 1 else None


def column_style(ws, column: Column):
    """The style of a column's cells, made once: setting styles cell by cell is slow in openpyxl."""
    cell = WriteOnlyCell(ws)
    # "@" keeps typed numbers such as 1.10 as text in text columns.
    cell.number_format = number_format(column)
    cell.alignment = WRAP
    return cell._style


def make_cell(ws, value, style):
    """One cell for `ws.append`, so that the same code serves write-only (streamed) sheets."""
    cell = WriteOnlyCell(ws)
    cell._style = copy(style)
    if isinstance(value, str):
        cell.value = escape_text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if value.startswith(_UNSAFE_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_FONT = Font(name=FONT, size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")


def header_cell(ws, text: str):
    cell = WriteOnlyCell(ws, text)
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    return cell


def start_sheet(wb, title: str, columns: list[Column], labels: dict, max_rows: int = 1048576, plan_title: str = ""):
    """A sheet with widths, column formats, frozen header, drop-downs and print setup; rows
    are appended after it."""
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        dimension = ws.column_dimensions[letter]
        dimension.width = max(column.width, len(column.header) + 5)  # room for the filter button
        dimension.number_format = number_format(column)  # also for the empty rows below the data
        dimension.hidden = column is ID
        if column.kind in labels and column.kind in CHOICE_KINDS:
            options = list(labels[column.kind].values())
            validation = DataValidation(
                type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle=str(_("Ugyldig værdi")),
                error=str(_("Vælg en af værdierne på listen.")),
            )
            validation.add(f"{letter}2:{letter}{max_rows}")
            ws.data_validations.append(validation)
    print_setup(ws, plan_title or title, width=sum(max(c.width, len(c.header) + 5) for c in columns if c is not ID))
    ws.print_title_rows = "1:1"
    ws.append([header_cell(ws, column.header) for column in columns])
    return ws


# Column-width units an A4 landscape page holds at about 75 %, the smallest print still
# comfortable to read (about 140 at 100 %).
PAGE_WIDTH = 185


def print_setup(ws, title: str, width: int = 0):
    """Landscape A4, the plan's name and the sheet above, pages below. A sheet `width` units
    wide is printed that many pages across as it needs to stay readable (a page of the 22
    columns of "Initiativer" was a quarter of their size), its first column repeated on each."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    across = max(1, math.ceil(width / PAGE_WIDTH))
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = across, 0
    if across > 1:
        ws.print_title_cols = "A:A"  # the number, so every page says which row it is
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = title[:200].replace("&", "&&") + " – &A"  # &A: the sheet's name
    ws.oddFooter.center.text = str(_("Side &P af &N"))


def finish_sheet(ws, columns: list[Column], last_row: int):
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last_row, 1)}"


def write_rows(ws, columns: list[Column], rows, labels: dict) -> int:
    styles = [column_style(ws, column) for column in columns]
    row_number = 1
    for row_number, values in enumerate(rows, start=2):
        cells = [cell_value(column, values.get(column.key), labels) for column in columns]
        height = row_height(columns, cells)
        if height:
            ws.row_dimensions[row_number].height = height
        # Empty text cells are written with their style too: the text format is then on every
        # cell of a text column, not only on the column (which covers the rows below the data).
        ws.append([make_cell(ws, value, style) if value is not None or column.kind in TEXT_KINDS else None
                   for column, value, style in zip(columns, cells, styles)])
    return row_number


def write_plan_sheet(wb, values: dict, labels: dict):
    ws = wb.create_sheet(SHEET_PLAN)
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["B"].number_format = "@"
    print_setup(ws, str(values.get("title") or ""))
    ws.print_title_rows = "1:1"
    ws.append([header_cell(ws, header) for header in PLAN_HEADERS])
    label_style = column_style(ws, Column("field", "Felt"))
    for row, field in enumerate(PLAN_FIELDS, start=2):
        label = make_cell(ws, field.header, label_style)
        label.font = HEADER_FONT
        value = cell_value(field, values.get(field.key), labels)
        height = row_height([Column("value", "", width=90)], [value])
        if height:
            ws.row_dimensions[row].height = height
        ws.row_dimensions[row].hidden = field.key == "history"
        ws.append([label, make_cell(ws, value, column_style(ws, field))])
    return ws

