"""What is genuinely about files: the bytes, the sheets, the columns.

`check_file` looks at the bytes before any spreadsheet parser does: size caps,
zip structure (member count, unpacked size: zip bombs), macros and the shape of
an Office Open XML package. `read_workbook` then reads the cells (openpyxl
read-only, so memory stays flat; formulas come back as their text and are never
evaluated) into rows of raw cell values by column key, bounded in rows and
columns, and finds missing sheets and columns. The rows themselves are read by
`sheet_rows`, openpyxl's cell rules on lxml's parser. What a value means is decided by
the row forms (`reporting.exchange.forms`), not here. `Problem` and
`ImportFailed` are how every import step reports what it found, with sheet, row
and column.
"""

import contextlib
import gc
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from dataclasses import dataclass, field
from warnings import catch_warnings, simplefilter

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import (CELL_TAG, INLINE_STRING, ROW_TAG, VALUE_TAG,
                                        WorkSheetParser, _cast_number)

from .workbook import OPTIONAL_SHEETS, PLAN_FIELDS, PLAN_HEADERS, SHEET_PLAN, SHEETS

MAX_UPLOAD_BYTES = getattr(settings, "EXCEL_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000


@dataclass
class Problem:
    sheet: str = ""
    row: int | None = None
    column: str = ""
    message: str = ""

    def __str__(self):
        where = [part for part in (
            self.sheet and _("ark »%(sheet)s«") % {"sheet": self.sheet},
            self.row and _("række %(row)s") % {"row": self.row},
            self.column and _("kolonne »%(column)s«") % {"column": self.column},
        ) if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The file cannot be imported; `problems` says every reason found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:5]))


def refuse(message) -> ImportFailed:
    return ImportFailed([Problem(message=str(message))])


def not_xlsx_message() -> str:
    return _("Filen er ikke en Excel-projektmappe (.xlsx). Gem den som »Excel-projektmappe (.xlsx)« – i "
             "LibreOffice filtypen »Excel 2007-365 (.xlsx)« – og prøv igen.")


def ods_message() -> str:
    # No .ods reader: openpyxl reads only Office Open XML, and keeping one reader keeps one set
    # of guarantees (formulas read as their text, bounded rows); LibreOffice saves .xlsx itself.
    return _("Filen er et LibreOffice-regneark (.ods), som portalen ikke kan læse. Åbn den i LibreOffice, "
             "vælg Filer > Gem som, vælg filtypen »Excel 2007-365 (.xlsx)«, og indlæs den nye fil.")


def check_file(fileobj, name: str = "", size: int | None = None) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx before parsing it."""
    if name.lower().endswith((".ods", ".ots", ".fods")):
        raise refuse(ods_message())
    if name.lower().endswith((".xlsm", ".xltm", ".xlam")):
        raise refuse(_("Filer med makroer (.xlsm) kan ikke indlæses. Gem filen som "
                       "»Excel-projektmappe (.xlsx)« og prøv igen."))
    check_size(fileobj, size)
    names, content_types, mimetype = inspect_package(fileobj, not_xlsx_message)
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise refuse(_("Filer med makroer (.xlsm) kan ikke indlæses. Gem filen som "
                       "»Excel-projektmappe (.xlsx)« og prøv igen."))
    if b"opendocument" in mimetype:
        raise refuse(ods_message())
    if "xl/workbook.xml" not in names:
        raise refuse(not_xlsx_message())


def check_size(fileobj, size: int | None = None) -> None:
    """Refuse an empty file or one over the cap before anything reads it; `size` if the upload says it."""
    if size is None:
        fileobj.seek(0, 2)
        size = fileobj.tell()
    if size == 0:
        raise refuse(_("Filen er tom."))
    if size > MAX_UPLOAD_BYTES:
        raise refuse(too_large_message())


def inspect_package(fileobj, not_a_package_message, inspect=None):
    """An Office Open XML package's member names (lower case), its content types and its
    `mimetype` member (OpenDocument), after the zip-bomb checks; `inspect(archive, members)`
    may look further inside while the archive is open. Refuses what is not a sound zip."""
    fileobj.seek(0)
    head = fileobj.read(4)
    fileobj.seek(0)
    if head != b"PK\x03\x04":
        raise refuse(not_a_package_message())
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
                raise refuse(_("Filen fylder for meget, når den pakkes ud (højst %(mb)s MB). "
                               "Del planen op i flere filer, eller slet tomme rækker og ark, og indlæs igen.") % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)})
            names = {m.filename.lower() for m in members}
            # zipfile never unpacks more than a member's declared size, so this read is bounded too.
            content_types = archive.read("[Content_Types].xml") if "[content_types].xml" in names else b""
            mimetype = archive.read("mimetype")[:200] if "mimetype" in names else b""
            if inspect is not None:
                inspect(archive, members)
    # NotImplementedError: an unsupported zip version or compression method; RuntimeError:
    # an encrypted member. Both come from damaged or hostile files like the others here.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, zlib.error,
            NotImplementedError, RuntimeError):
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
    finally:
        fileobj.seek(0)
    return names, content_types, mimetype


def too_large_message() -> str:
    return _("Filen er for stor. Den må højst fylde %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


def upload_too_large(request) -> bool:
    """Whether a POST says it is larger than an upload may be, judged by its Content-Length
    before the body is read (the form's own fields fit in 64 KB); an unreadable length is 0."""
    if request.method != "POST":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > MAX_UPLOAD_BYTES + 64 * 1024


# --- the sheets ----------------------------------------------------------------------

MAX_ROWS = 50_000  # per sheet
MAX_COLUMNS = 60
MAX_PROBLEMS = 500


@dataclass
class Parsed:
    """The workbook's cells: the plan sheet's values and every sheet's rows, by column key."""

    plan: dict = field(default_factory=dict)
    plan_rows: dict = field(default_factory=dict)  # field key → row number on the plan sheet
    sheets: dict = field(default_factory=dict)  # sheet title → [(row number, {key: cell value})]
    problems: list = field(default_factory=list)
    structural: bool = False  # sheets, columns or fields missing: nothing more to check

    def add(self, sheet, row, column, message):
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(sheet, row, column, str(message)))

    @property
    def is_extract(self) -> bool:
        return bool(cell_text(self.plan.get("extract")).strip())


def cell_text(value) -> str:
    return "" if value is None else str(value)


def _rows(ws, parsed: Parsed, title: str):
    """The sheet's non-empty rows as (row number, values), bounded in rows and columns."""
    for number, values in sheet_rows(ws):
        if number > MAX_ROWS + 1:
            parsed.add(title, None, "", _("Arket har for mange rækker (højst %(max)s).") % {
                "max": f"{MAX_ROWS:,}".replace(",", ".")})
            parsed.structural = True
            return
        if any(v not in (None, "") for v in values):
            yield number, values


_PLAIN_TEXT = "{%s}t" % INLINE_STRING[1:].split("}")[0]  # an inline string's <t>


def sheet_rows(ws):
    """(row number, the first MAX_COLUMNS cell values) of every row the read-only sheet holds,
    as `ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)` gives them for those rows, whatever
    size the file claims: openpyxl's `WorkSheetParser` decides each cell, on lxml's parser (the
    standard library's took most of an import's reading; entities are never expanded, nothing is
    fetched). The cells every export and most edited files hold (numbers, dates, shared and plain
    inline strings, booleans) are read here as openpyxl reads them; any other cell (a formula,
    rich text, an error, an ISO date) is handed to openpyxl's own `parse_cell`. The same as
    openpyxl's, cell for cell: tests/reporting/test_sheet_rows.py."""
    book = ws.parent
    parser = WorkSheetParser(None, ws._shared_strings, data_only=book.data_only, epoch=book.epoch,
                             date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
    strings, columns = ws._shared_strings, {}
    dates = (book._date_formats, book._timedelta_formats, book.epoch)
    row_number, last = 0, 0
    with ws._get_source() as source:
        for _event, row in etree.iterparse(source, tag=ROW_TAG, resolve_entities=False, no_network=True,
                                           load_dtd=False, huge_tree=False, remove_comments=True):
            number = row.get("r")
            row_number = _row_number(number) if number is not None else row_number + 1
            values = [None] * MAX_COLUMNS
            column = 0
            for cell in row.iterchildren(CELL_TAG):
                kind, coordinate = cell.get("t", "n"), cell.get("r")
                letters = coordinate.rstrip("0123456789") if coordinate else None
                if letters is None:
                    column += 1
                elif len(letters) < len(coordinate) and letters in columns:
                    column = columns[letters]
                elif len(letters) < len(coordinate) and letters.isascii() and letters.isalpha():
                    column = columns[letters] = column_index_from_string(letters)  # or ValueError, as openpyxl
                else:  # "A1B2", "A1_0": openpyxl reads these its own way, or refuses them
                    column = _openpyxl_cell(parser, cell, row_number, column)["column"]
                value = _fast_value(cell, kind, strings, dates)
                if value is _OTHER:
                    value = _openpyxl_cell(parser, cell, row_number, column)["value"]
                if column <= MAX_COLUMNS:
                    values[column - 1] = value
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]
            if row_number > last:  # openpyxl passes over a row numbered at or before one it gave
                last = row_number
                yield row_number, tuple(values)


_OTHER = object()


def _fast_value(cell, kind, strings, dates):
    """The value openpyxl gives a cell of the common kinds, or _OTHER."""
    text = content = None
    for child in cell:  # one pass over <v>, <f>, <is> (find() parses its path on every call)
        tag = child.tag
        if tag == VALUE_TAG:
            text = child.text
        elif tag == INLINE_STRING:
            content = child
        else:
            return _OTHER  # a formula <f>, or something else openpyxl should judge
    if kind == "inlineStr":
        if content is None:
            return None
        if len(content) == 1 and content[0].tag == _PLAIN_TEXT:
            return content[0].text or ""
        return _OTHER
    if not text:
        return None
    if kind == "n":
        number, style = _cast_number(text), cell.get("s")
        date_formats, timedelta_formats, epoch = dates
        if style and int(style) in date_formats:
            try:
                return from_excel(number, epoch, timedelta=int(style) in timedelta_formats)
            except (OverflowError, ValueError):
                return "#VALUE!"  # as openpyxl reads a date serial out of range (it also warns)
        return number
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return bool(int(text))
    if kind == "str":
        return text
    return _OTHER


def _row_number(text) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _openpyxl_cell(parser, cell, row_number, column) -> dict:
    """openpyxl's own reading of one cell (`parse_cell`, on a standard-library copy of it)."""
    parser.row_counter, parser.col_counter = row_number, column
    with catch_warnings():
        simplefilter("ignore")  # a date out of range is read as "#VALUE!", as openpyxl reads it
        return parser.parse_cell(ElementTree.fromstring(etree.tostring(cell, with_tail=False)))


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that is not measured when the file is opened. openpyxl looks for the
    sheet's stated size then, and in a file without one (its own write-only files: every
    export of ours) that parses the whole sheet once more; `_rows` never trusts it anyway."""

    def _get_size(self):
        pass


class _Reader(ExcelReader):
    """openpyxl's reader in read-only mode with `_UnsizedSheet`s (chart sheets left out)."""

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                ws = _UnsizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)


def _open(fileobj):
    """`openpyxl.load_workbook(fileobj, read_only=True, keep_links=False)`, with unsized sheets."""
    reader = _Reader(fileobj, read_only=True, data_only=False, keep_links=False)
    reader.read()
    return reader.wb


@contextlib.contextmanager
def collecting_later():
    """No garbage-collector passes inside the block (reading a workbook, an import run), which
    makes hundreds of thousands of objects that live to its end, and the objects alive before
    it (the process's own, the parsed workbook) left out of the passes after it. Each pass
    went through all of them again: a tenth of an import. What the block throws away is freed
    as it goes (reading leaves only the workbook's few cycles; one form checks a sheet), and
    the next pass after it collects those."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


def read_workbook(fileobj) -> Parsed:
    """All sheets' cells; problems collected, not raised (except for a file that cannot be read)."""
    with collecting_later():
        return _read_workbook(fileobj)


def _read_workbook(fileobj) -> Parsed:
    parsed = Parsed()
    try:
        wb = _open(fileobj)
    except Exception:  # openpyxl raises many kinds for broken files; all mean the same to the user
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
    try:
        names = {name.strip().casefold(): name for name in wb.sheetnames}
        missing = [title for title in (SHEET_PLAN, *SHEETS)
                   if title.casefold() not in names and title not in OPTIONAL_SHEETS]
        for title in missing:
            parsed.add(title, None, "", _("Arket »%(sheet)s« mangler.") % {"sheet": title})
        if missing:
            parsed.structural = True
            return parsed
        with translation.override("da"):
            _read_plan_sheet(wb[names[SHEET_PLAN.casefold()]], parsed)
            for title, columns in SHEETS.items():
                if title.casefold() in names:  # an absent optional sheet stays out of parsed.sheets
                    _read_sheet(wb[names[title.casefold()]], title, columns, parsed)
    except ImportFailed:
        raise
    except Exception:
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
    finally:
        wb.close()
    return parsed


def _read_plan_sheet(ws, parsed: Parsed):
    by_label = {f.header.casefold(): f for f in PLAN_FIELDS}
    for number, values in _rows(ws, parsed, SHEET_PLAN):
        label = cell_text(values[0] if values else None).strip().casefold()
        if number == 1 and label == PLAN_HEADERS[0].casefold():
            continue
        column = by_label.get(label)
        if column is not None:
            parsed.plan_rows[column.key] = number
            parsed.plan[column.key] = values[1] if len(values) > 1 else None
    for column in PLAN_FIELDS:
        if column.key not in parsed.plan_rows and not column.optional:
            parsed.add(SHEET_PLAN, None, PLAN_HEADERS[0], _("Feltet »%(field)s« mangler.") % {"field": column.header})
            parsed.structural = True


def _read_sheet(ws, title, columns, parsed: Parsed):
    rows = []
    parsed.sheets[title] = rows
    positions = None
    for number, values in _rows(ws, parsed, title):
        if positions is None:
            headers = {cell_text(v).strip().casefold(): i for i, v in enumerate(values) if v not in (None, "")}
            positions = {}
            for column in columns:
                if column.header.casefold() in headers:
                    positions[column.key] = headers[column.header.casefold()]
                elif not column.optional:
                    parsed.add(title, number, column.header, _("Kolonnen »%(column)s« mangler.")
                               % {"column": column.header})
                    parsed.structural = True
            if parsed.structural:
                return
            continue
        rows.append((number, {key: values[index] if index < len(values) else None
                              for key, index in positions.items()}))
    if positions is None:
        parsed.structural = True
        for column in columns:
            if not column.optional:
                parsed.add(title, 1, column.header, _("Kolonnen »%(column)s« mangler.") % {"column": column.header})


def load(fileobj, name: str = "", size: int | None = None) -> Parsed:
    check_file(fileobj, name, size)
    return read_workbook(fileobj)
