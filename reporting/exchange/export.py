"""Excel in and out: the workbook format, the export and the empty template.

The export *is* the import format (Decidim's users complained when they
differed): the same sheets and headers are read back by `reporting.exchange.importer`,
rows are matched by number, and an export re-imported into an empty plan exports
to the same cell values.

Cells are made for people (frozen header, filter, wrapped text, drop-downs with
Danish labels, real dates and numbers) and are safe to open: a text that starts
like a formula is written as text with Excel's quote prefix, never as a formula.
Characters an xlsx cannot hold (carriage return, other control characters) are
written as Excel's own `_xHHHH_` escapes and restored on import.
"""

import datetime
import re
from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from initiatives.forms import PlanFilterForm
from initiatives.models import Activity, BudgetLine, CrossLink, Initiative, Period, Phase, Status, StatusUpdate

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_INSTRUCTIONS = "Vejledning"
SHEET_PLAN = "Plan"
SHEET_DIRECTIONS = "Retninger"
SHEET_INITIATIVES = "Initiativer"
SHEET_ACTIVITIES = "Aktiviteter"
SHEET_STATUS = "Statushistorik"
SHEET_BUDGET = "Budgetlinjer"

YES, NO = "Ja", "Nej"
DATE_FORMAT = "DD-MM-YYYY"
DATETIME_FORMAT = "DD-MM-YYYY HH:MM:SS"
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
        }


CHOICE_KINDS = {"status", "phase", "period", "initiative_kind", "budget_kind", "bool"}

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
    Column("stale_after_days", "Opdatering forventes hver (dage)", "int"),
    Column("published", "Offentliggjort", "bool"),
    Column("extract", "Udsnit", optional=True),
]
PLAN_HEADERS = ("Felt", "Værdi")

SHEETS: dict[str, list[Column]] = {
    SHEET_DIRECTIONS: [
        Column("number", "Nummer", "int", 10),
        Column("title", "Kort titel", width=30),
        Column("statement", "Formulering", width=60),
        Column("goal", "Mål", width=50),
        Column("purpose", "Formål", width=50),
        Column("description", "Beskrivelse", width=60),
        Column("success_criteria", "Succeskriterier", "list", 50),
        Column("focus_points", "Fokuspunkter", "list", 50),
    ],
    SHEET_INITIATIVES: [
        Column("number", "Nummer", "code", 10),
        Column("direction", "Retning", "int", 10),
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
        Column("initiative", "Initiativ", "code", 10),
        Column("year", "År", "int", 8),
        Column("period", "Periode", "period", 14),
        Column("text", "Aktivitet", width=70),
        Column("responsible", "Ansvarlig", width=25),
        Column("deadline", "Frist", width=18),
        Column("done", "Udført", "bool", 9),
    ],
    SHEET_STATUS: [
        Column("initiative", "Initiativ", "code", 10),
        Column("created_at", "Tidspunkt", "datetime", 20),
        Column("status", "Status", "status", 20),
        Column("phase", "Fase", "phase", 16),
        Column("note", "Bemærkning", width=60),
        Column("author", "Af", "user", 18),
    ],
    SHEET_BUDGET: [
        Column("initiative", "Initiativ", "code", 10),
        Column("year", "År", "int", 8),
        Column("amount", "Beløb (kr.)", "money", 16),
        Column("label", "Tekst", width=50),
        Column("kind", "Art", "budget_kind", 14),
    ],
}
SHEET_ORDER = [SHEET_PLAN, *SHEETS]

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


def local_naive(value: datetime.datetime) -> datetime.datetime:
    """A timestamp as Excel shows it: local time, whole seconds, no zone."""
    return timezone.localtime(value).replace(microsecond=0, tzinfo=None)


def cell_value(column: Column, value, labels: dict):
    """The value written to the cell for a model value of `column`."""
    kind = column.kind
    if value is None or value == "":
        return None
    if kind in labels:
        return labels[kind].get("true" if value is True else "false" if value is False else value, value)
    if kind == "list":
        return "\n".join(value) or None
    if kind == "money":
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if kind == "datetime":
        return local_naive(value)
    return value


NUMBER_FORMATS = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "money": MONEY_FORMAT}
TEXT_KINDS = {"code", "links", "text", "list", "user"}
KEEP_EMPTY = {"code", "links"}  # empty cells styled anyway, so a number typed into them stays text


def column_style(ws, column: Column):
    """The style of a column's cells, made once: setting styles cell by cell is slow in openpyxl."""
    cell = WriteOnlyCell(ws)
    # "@" keeps typed numbers such as 1.10 as text in text columns.
    cell.number_format = NUMBER_FORMATS.get(column.kind, "@" if column.kind in TEXT_KINDS else "General")
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
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5EE")


def header_cell(ws, text: str):
    cell = WriteOnlyCell(ws, text)
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    return cell


def start_sheet(wb, title: str, columns: list[Column], labels: dict, max_rows: int = 1048576):
    """A sheet with widths, frozen header and drop-downs; rows are appended after it."""
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.kind in labels and column.kind in CHOICE_KINDS:
            options = list(labels[column.kind].values())
            validation = DataValidation(
                type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle=str(_("Ugyldig værdi")),
                error=str(_("Vælg en af værdierne på listen.")),
            )
            validation.add(f"{letter}2:{letter}{max_rows}")
            ws.data_validations.append(validation)
    ws.append([header_cell(ws, column.header) for column in columns])
    return ws


def finish_sheet(ws, columns: list[Column], last_row: int):
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last_row, 1)}"


def write_rows(ws, columns: list[Column], rows, labels: dict) -> int:
    styles = [column_style(ws, column) for column in columns]
    row_number = 1
    for row_number, values in enumerate(rows, start=2):
        ws.append([make_cell(ws, value, style) if value is not None or column.kind in KEEP_EMPTY else None
                   for column, style in zip(columns, styles)
                   for value in (cell_value(column, values.get(column.key), labels),)])
    return row_number


def write_plan_sheet(wb, values: dict, labels: dict):
    ws = wb.create_sheet(SHEET_PLAN)
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["B"].width = 90
    ws.append([header_cell(ws, header) for header in PLAN_HEADERS])
    label_style = column_style(ws, Column("field", "Felt"))
    for field in PLAN_FIELDS:
        label = make_cell(ws, field.header, label_style)
        label.font = HEADER_FONT
        ws.append([label, make_cell(ws, cell_value(field, values.get(field.key), labels), column_style(ws, field))])
    return ws


# --- export ------------------------------------------------------------------------


class ExportFilter:
    """The plan page's own filters (`initiatives.forms.PlanFilterForm`), so an export
    started from a filtered plan page holds exactly the initiatives the page showed."""

    def __init__(self, form: PlanFilterForm | None = None):
        self.form = form if form is not None and form.is_filtering else None

    @classmethod
    def from_query(cls, data, plan) -> "ExportFilter":
        return cls(PlanFilterForm(data or None, plan=plan))

    def __bool__(self):
        return self.form is not None

    def apply(self, initiatives):
        return self.form.filter(initiatives) if self.form else initiatives

    def describe(self) -> str:
        """The filters in words, for the workbook's "Udsnit" field."""
        if not self.form:
            return ""
        parts = []
        for name, value in self.form.valid_filters().items():
            field = self.form.fields[name]
            shown = dict(getattr(field, "choices", [])).get(value, value)
            parts.append(f"{field.label}: {shown}")
        return "; ".join(parts)


def plan_values(plan, extract: str = "") -> dict:
    values = {f.key: getattr(plan, f.key, None) for f in PLAN_FIELDS if f.key not in {"organization", "extract"}}
    values["organization"] = plan.organization.slug
    values["extract"] = extract
    return values


def export_rows(plan, export_filter: ExportFilter | None = None) -> dict[str, list[dict]]:
    """Every sheet's rows as dicts of model values, in a stable order."""
    export_filter = export_filter or ExportFilter()
    directions = list(plan.directions.order_by("order", "number"))
    initiatives = list(
        export_filter.apply(plan.initiatives.all())
        .select_related("direction", "responsible_user")
        .order_by("direction__order", "direction__number", "order", "id")
    )
    position = {i.pk: n for n, i in enumerate(initiatives)}
    number_of = {i.pk: i.number for i in initiatives}
    links: dict[int, list[int]] = {}
    for link in (CrossLink.objects.filter(initiative__in=[i.pk for i in initiatives])
                 .select_related("direction").order_by("direction__number")):
        links.setdefault(link.initiative_id, []).append(link.direction.number)

    initiative_rows = []
    for initiative in initiatives:
        row = {c.key: getattr(initiative, c.key, None) for c in SHEETS[SHEET_INITIATIVES]}
        row["direction"] = initiative.direction.number
        row["responsible_user"] = initiative.responsible_user.get_username() if initiative.responsible_user else None
        row["cross_links"] = ", ".join(str(n) for n in links.get(initiative.pk, [])) or None
        initiative_rows.append(row)

    activities = sorted(
        Activity.objects.filter(initiative__in=position.keys()),
        key=lambda a: (position[a.initiative_id], a.year, a.order, a.id),
    )
    updates = sorted(
        StatusUpdate.objects.filter(initiative__in=position.keys()).select_related("author"),
        key=lambda u: (position[u.initiative_id], u.created_at, u.id),
    )
    budget = sorted(
        BudgetLine.objects.filter(Q(plan=plan, initiative__isnull=True) | Q(initiative__in=position.keys())),
        key=lambda b: (-1 if b.initiative_id is None else position[b.initiative_id], b.order, b.id),
    )
    return {
        SHEET_DIRECTIONS: [{c.key: getattr(d, c.key) for c in SHEETS[SHEET_DIRECTIONS]} for d in directions],
        SHEET_INITIATIVES: initiative_rows,
        SHEET_ACTIVITIES: [
            {"initiative": number_of[a.initiative_id], "year": a.year, "period": a.period, "text": a.text,
             "responsible": a.responsible, "deadline": a.deadline, "done": a.done}
            for a in activities
        ],
        SHEET_STATUS: [
            {"initiative": number_of[u.initiative_id], "created_at": u.created_at, "status": u.status,
             "phase": u.phase, "note": u.note, "author": u.author.get_username() if u.author else None}
            for u in updates
        ],
        SHEET_BUDGET: [
            {"initiative": number_of.get(b.initiative_id), "year": b.year, "amount": b.amount,
             "label": b.label, "kind": b.kind}
            for b in budget
        ],
    }


def build_workbook(plan, export_filter: ExportFilter | None = None) -> Workbook:
    labels = choices()
    wb = Workbook(write_only=True)  # streamed: memory stays flat however large the plan
    extract = export_filter.describe() if export_filter else ""
    write_plan_sheet(wb, plan_values(plan, extract), labels)
    for title, rows in export_rows(plan, export_filter).items():
        columns = SHEETS[title]
        ws = start_sheet(wb, title, columns, labels, max_rows=max(len(rows) + 1000, 2000))
        finish_sheet(ws, columns, write_rows(ws, columns, rows, labels))
    wb.properties.title = plan.title[:250]
    wb.properties.creator = "Masterplan-portalen"
    return wb


def export_filename(plan) -> str:
    return f"{plan.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"


# --- template ----------------------------------------------------------------------

INSTRUCTIONS = [
    "Sådan udfylder du skabelonen",
    "",
    "Skabelonen har samme form som en eksport fra portalen: du kan også hente en eksport af en plan, "
    "rette i den og indlæse den igen.",
    "Arket »Plan« beskriver planen. Arkene »Retninger«, »Initiativer«, »Aktiviteter«, »Statushistorik« og "
    "»Budgetlinjer« har én række pr. linje; første række er overskrifter og må ikke ændres.",
    "Hvert ark har en eksempelrække. Ret den eller slet den, før du indlæser filen.",
    "Retninger har et heltal som nummer, initiativer et nummer som »2.3« eller »4.1.1«. Numrene skal være "
    "entydige i planen; portalen genkender eksisterende retninger og initiativer på deres nummer.",
    "»Understøtter også retning« er numrene på andre retninger i planen, adskilt af komma, fx »2, 5«. "
    "Et initiativ kan ikke også understøtte sin egen retning.",
    "Lister (succeskriterier, forventede resultater, konkrete handlinger, fokuspunkter) skrives med ét punkt "
    "pr. linje i cellen (Alt+Enter i Excel).",
    "Status, fase, periode, type, art og udført vælges på rullelisten i cellen.",
    "Datoer skrives som datoer (fx 01-03-2025), beløb som tal i hele kroner.",
    "Aktiviteternes og budgetlinjernes år skal ligge i planens periode.",
    "Rækkefølgen af rækkerne er rækkefølgen i planen.",
    "Ved indlæsning i en eksisterende plan opdateres det, der er ændret; retninger, initiativer, "
    "aktiviteter og budgetlinjer, som ikke står i filen, slettes. Statushistorik slettes aldrig.",
    "Du ser altid en oversigt over ændringerne, før noget bliver gemt. Formler bliver ikke beregnet, men "
    "indlæst som tekst. Filer med makroer (.xlsm) afvises.",
]

EXAMPLE_PLAN = {
    "slug": "min-plan", "title": "Masterplan for det sociale område", "organization": "",
    "period_start": 2025, "period_end": 2028, "adopted_on": datetime.date(2025, 3, 1),
    "adopted_by": "Social- og Sundhedsudvalget", "intro": "Planen beskriver …", "vision": "",
    "direction_label": "Retning", "direction_label_plural": "Retninger",
    "initiative_label": "Initiativ", "initiative_label_plural": "Initiativer", "stale_after_days": 90, "published": False,
    "extract": "",
}
EXAMPLE_ROWS = {
    SHEET_DIRECTIONS: {"number": 1, "title": "Tidlig indsats",
                       "statement": "Vi sætter ind tidligt, så borgerne kan klare sig selv.",
                       "success_criteria": ["Målet er opnået, når ventetiden er halveret."]},
    SHEET_INITIATIVES: {"number": "1.1", "direction": 1, "kind": "initiativ", "title": "Kortere sagsbehandling",
                        "goal": "Kortere ventetid for borgerne.", "responsible": "Myndighed Voksen",
                        "start_date": datetime.date(2025, 1, 1), "funding_amount": Decimal("250000"),
                        "funding_source": "Egen ramme", "status": "not_started", "phase": "planning"},
    SHEET_ACTIVITIES: {"initiative": "1.1", "year": 2025, "period": "h1", "text": "Analyse af arbejdsgange.",
                       "responsible": "Myndighed Voksen", "deadline": "Juni 2025", "done": False},
    SHEET_STATUS: {"initiative": "1.1", "created_at": datetime.datetime(2025, 6, 1, 12, 0),
                   "status": "on_track", "phase": "implementation", "note": "Forløber som planlagt."},
    SHEET_BUDGET: {"initiative": "1.1", "year": 2025, "amount": Decimal("250000"), "label": "Projektleder",
                   "kind": "expense"},
}


def build_template() -> Workbook:
    labels = choices()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_INSTRUCTIONS
    ws.column_dimensions["A"].width = 110
    for row, line in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row=row, column=1, value=line)
        cell.alignment = WRAP
    ws["A1"].font = Font(bold=True, size=14)
    write_plan_sheet(wb, EXAMPLE_PLAN, labels)
    for title, columns in SHEETS.items():
        sheet = start_sheet(wb, title, columns, labels, max_rows=2000)
        example = dict(EXAMPLE_ROWS[title])
        if "created_at" in example:  # naive example time: written as is
            example["created_at"] = timezone.make_aware(example["created_at"])
        finish_sheet(sheet, columns, write_rows(sheet, columns, [example], labels))
    return wb
