"""The import's row reader (`files.sheet_rows`) gives every cell the value openpyxl's own
read-only reader gives it: every committed test workbook, an export, a workbook as
openpyxl saves it (shared strings, dates, times) and one with the cells Excel and other
programs write by hand (formulas shared and array, rich text, errors, ISO dates, cells and
rows without coordinates, repeated rows, columns past the reader's bound)."""

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from reporting.exchange import export as excel
from reporting.exchange.files import MAX_COLUMNS, ImportFailed, _open, load, sheet_rows

FILES = Path(__file__).parent / "excel_files"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def openpyxl_rows(ws):
    """openpyxl's read-only rows (as the import read them before), the empty ones left out."""
    ws.reset_dimensions()
    return [(number, values) for number, values in
            enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
            if any(v is not None for v in values)]


def ours(ws):
    return [(number, values) for number, values in sheet_rows(ws) if any(v is not None for v in values)]


def comparable(rows):
    """Formula objects (array formulas) compared by what they hold; every value with its type."""
    return [(number, [(type(v), vars(v) if hasattr(v, "__dict__") else v) for v in values])
            for number, values in rows]


def assert_same_cells(data: bytes):
    wb = _open(io.BytesIO(data))
    try:
        compared = 0
        for ws in wb.worksheets:
            expected = openpyxl_rows(ws)
            assert comparable(ours(ws)) == comparable(expected), ws.title
            compared += sum(len([v for v in values if v is not None]) for _, values in expected)
        return compared
    finally:
        wb.close()


def readable(path):
    try:
        wb = _open(io.BytesIO(path.read_bytes()))
    except Exception:
        return False
    wb.close()
    return True


@pytest.mark.parametrize("path", sorted(p for p in FILES.glob("*.xls*") if readable(p)), ids=lambda p: p.name)
def test_every_test_workbook_reads_as_openpyxl_reads_it(path):
    assert assert_same_cells(path.read_bytes()) > 0 or path.name == "empty_workbook.xlsx"


def test_an_export_reads_as_openpyxl_reads_it(initiative, tmp_path):
    path = tmp_path / "export.xlsx"
    excel.build_workbook(initiative.plan).save(path)
    assert assert_same_cells(path.read_bytes()) > 50


def test_a_workbook_saved_by_openpyxl_reads_as_it_reads_it():
    wb = Workbook()
    ws = wb.active
    ws.append(["tekst", 1, 2.5, 1e20, True, False, datetime.date(2025, 3, 1)])
    ws.append([datetime.datetime(2025, 3, 1, 12, 30), datetime.time(8, 15), datetime.timedelta(hours=30), "Å"])
    ws.cell(row=5, column=3, value="efter en tom række")
    ws.cell(row=6, column=MAX_COLUMNS + 5, value="uden for rammen")
    ws.cell(row=7, column=1, value=CellRichText("fed ", TextBlock(InlineFont(b=True), "tekst")))
    ws.cell(row=8, column=2, value="=1000*1000")
    buffer = io.BytesIO()
    wb.save(buffer)
    assert assert_same_cells(buffer.getvalue()) >= 12


SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>42</v></c><c r="C1" t="b"><v>1</v></c>
  <c r="D1" t="e"><v>#N/A</v></c><c r="E1" t="str"><f>A1&amp;"x"</f><v>tekstx</v></c>
  <c r="F1" t="d"><v>2025-03-01T10:00:00</v></c><c r="G1"><v></v></c><!-- a comment -->
  <c r="H1" t="inlineStr"><is><r><t>rig </t></r><r><rPr><b/></rPr><t>tekst</t></r></is></c></row>
<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B1*2</f><v>84</v></c>
  <c r="B2"><f t="array" ref="B2">SUM(B1:B1)</f><v>42</v></c><c r="C2" s="1"><v>45717.5</v></c>
  <c r="D2" s="1"><v>99999999999</v></c>
  <c r="E2" t="inlineStr"><is><t xml:space="preserve">  mellemrum </t></is></c></row>
<row r="3"><c r="A3"><f t="shared" si="0"/><v>84</v></c><c r="B3" t="s"><v>1</v></c><c><v>7</v></c><c><v>8</v></c></row>
<row><c r="B4" t="inlineStr"/><c r="C4" t="inlineStr"><is/></c><c r="D4"><v>1.5E3</v></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>gentaget række</t></is></c></row>
<row r="6.0"><c r="BH6"><v>60</v></c><c r="BI6"><v>61</v></c></row>
</sheetData></worksheet>"""


SHARED = f"""<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="2" uniqueCount="2">
<si><t>delt tekst</t></si><si><r><t>delt </t></r><r><rPr><i/></rPr><t>rig tekst</t></r></si></sst>"""
SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_sheet(xml: str) -> bytes:
    """A workbook saved by openpyxl (style 1 a date format) with its first sheet replaced and a
    table of shared strings added, as Excel and LibreOffice save text."""
    wb = Workbook()
    wb.active["B1"] = datetime.date(2025, 1, 1)  # makes style 1 a date format
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = xml.encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                                 f'ContentType="{SHARED_TYPE}"/></Types>'.encode())
            target.writestr(item, data)
        target.writestr("xl/sharedStrings.xml", SHARED)
    return out.getvalue()


@pytest.mark.filterwarnings("ignore:Cell D2 is marked as a date")  # openpyxl's, for the serial out of range
def test_hand_written_cells_read_as_openpyxl_reads_them():
    assert assert_same_cells(with_sheet(SHEET)) >= 19


def test_the_reader_neither_expands_entities_nor_fetches_anything():
    hostile = SHEET.replace('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
                            '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
                            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                            '<!ENTITY ext SYSTEM "file:///etc/passwd">]>')
    hostile = hostile.replace("<v>tekstx</v>", "<v>&b;&ext;</v>").replace('<f>A1&amp;"x"</f>', "")
    wb = _open(io.BytesIO(with_sheet(hostile)))
    try:
        values = [v for _, row in sheet_rows(wb.worksheets[0]) for v in row if isinstance(v, str)]
    finally:
        wb.close()
    assert not any("aaaaaaaaaa" in v or "root:" in v for v in values)


def test_a_broken_cell_makes_the_file_unreadable_not_an_error(initiative, tmp_path):
    path = tmp_path / "export.xlsx"
    excel.build_workbook(initiative.plan).save(path)
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet3.xml":  # the initiatives
                data = re.sub(rb'<c r="A2"[^>]*>.*?</c>', b'<c r="A2" t="s"><v>999</v></c>', data, count=1)
            target.writestr(item, data)
    with pytest.raises(ImportFailed) as failed:
        load(io.BytesIO(out.getvalue()), name="x.xlsx")
    assert "beskadiget" in str(failed.value)


@pytest.mark.parametrize("coordinate", ["A1B2", "1A", "a7", "A1_0", "AAAA1", "A", "Å1", "XFE1"])
def test_an_odd_coordinate_reads_as_openpyxl_reads_it_or_fails_as_it_fails(coordinate):
    data = with_sheet(f"""<worksheet xmlns="{MAIN}"><sheetData><row r="7"><c r="{coordinate}"><v>5</v></c>
        <c><v>6</v></c></row></sheetData></worksheet>""")
    wb = _open(io.BytesIO(data))
    try:
        try:
            expected = openpyxl_rows(wb.worksheets[0])
        except Exception as error:
            with pytest.raises(type(error)):
                ours(wb.worksheets[0])
        else:
            assert comparable(ours(wb.worksheets[0])) == comparable(expected)
    finally:
        wb.close()
