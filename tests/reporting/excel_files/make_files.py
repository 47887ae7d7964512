"""Makes the small hostile and broken workbooks the Excel import tests use.

    .venv/bin/python tests/reporting/excel_files/make_files.py

The files are committed; run this again only when the workbook format changes.
They fit the test plan of tests/conftest.py (slug "testplan", 2024–2026,
directions 1–3). Files that need to be large (the 50 MB upload, 500 rows) are made
inside the tests instead.
"""

import copy
import datetime
import io
import os
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from reporting.exchange import export as excel  # noqa: E402

PLAN = {
    "slug": "testplan", "title": "Testplan", "organization": "testkommune", "period_start": 2024,
    "period_end": 2026, "adopted_on": datetime.date(2024, 2, 1), "adopted_by": "Socialudvalget",
    "intro": "Indledning.", "vision": "", "direction_label": "Retning", "direction_label_plural": "Retninger",
    "initiative_label": "Initiativ", "initiative_label_plural": "Initiativer", "stale_after_days": 90, "published": False, "extract": "",
}
ROWS = {
    excel.SHEET_DIRECTIONS: [
        {"number": n, "title": f"Retning {n}", "statement": f"Retning nummer {n} styrker borgerne."}
        for n in (1, 2, 3)
    ],
    excel.SHEET_INITIATIVES: [
        {"number": "1.1", "direction": 1, "kind": "initiativ", "title": "Sagsbehandlingstider",
         "goal": "Kortere ventetid.", "success_criteria": ["Ventetiden er halveret.", "Borgerne er tilfredse."],
         "start_date": datetime.date(2024, 3, 1), "funding_amount": Decimal("1015699"),
         "funding_source": "Sundhedsstyrelsen", "status": "on_track", "phase": "implementation",
         "cross_links": "2"},
        {"number": "2.1", "direction": 2, "title": "Overgange", "status": "not_started"},
    ],
    excel.SHEET_ACTIVITIES: [
        {"initiative": "1.1", "year": 2025, "period": "h1", "text": "Analyse af arbejdsgange.", "done": False},
        {"initiative": "2.1", "year": 2026, "period": "year", "text": "Plan for overgange.", "done": True},
    ],
    excel.SHEET_STATUS: [],
    excel.SHEET_BUDGET: [
        {"initiative": None, "year": 2025, "amount": Decimal("1250000"), "label": "Ramme", "kind": "financing"},
        {"initiative": "1.1", "year": 2025, "amount": Decimal("250000.50"), "label": "Projektleder"},
    ],
}


def workbook(plan=PLAN, rows=ROWS, columns=None, skip_sheet=None) -> Workbook:
    labels = excel.choices()
    wb = Workbook()
    wb.remove(wb.active)
    excel.write_plan_sheet(wb, plan, labels)
    for title, sheet_columns in excel.SHEETS.items():
        if title == skip_sheet:
            continue
        sheet_columns = (columns or {}).get(title, sheet_columns)
        ws = excel.start_sheet(wb, title, sheet_columns, labels, max_rows=100)
        excel.finish_sheet(ws, sheet_columns, excel.write_rows(ws, sheet_columns, rows.get(title, []), labels))
    return wb


def variant(**changes):
    rows = copy.deepcopy(ROWS)
    for title, sheet_rows in changes.items():
        rows[title] = sheet_rows(rows[title])
    return rows


def save(wb, name):
    wb.save(HERE / name)


def to_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def main():
    good = to_bytes(workbook())
    (HERE / "valid.xlsx").write_bytes(good)

    # Not workbooks at all.
    (HERE / "text.xlsx").write_text("Nummer;Titel\n1.1;Sagsbehandlingstider\n", encoding="utf-8")
    (HERE / "document.xlsx").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    (HERE / "image.xlsx").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    (HERE / "empty.xlsx").write_bytes(b"")
    (HERE / "truncated.xlsx").write_bytes(good[: len(good) // 2])
    corrupt = bytearray(good)
    for offset in range(200, len(corrupt) - 200, 97):  # damage the compressed data, keep the directory
        corrupt[offset] ^= 0x5A
    (HERE / "corrupt.xlsx").write_bytes(bytes(corrupt))
    (HERE / "not_a_workbook.xlsx").write_bytes(_zip({"hello.txt": b"Hej"}))

    # A zip bomb: ~100 kB that unpacks to 120 MB.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with zipfile.ZipFile(io.BytesIO(good)) as source:
            for info in source.infolist():
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open("xl/media/padding.bin", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(120):
                member.write(chunk)
    (HERE / "zip_bomb.xlsx").write_bytes(buffer.getvalue())

    # Macros: a real workbook with a VBA project, as .xlsm and renamed to .xlsx.
    with zipfile.ZipFile(io.BytesIO(good)) as source:
        members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    macro = _zip(members)
    (HERE / "macro.xlsm").write_bytes(macro)
    (HERE / "macro_renamed.xlsx").write_bytes(macro)

    # Formulas: a text cell holding a formula is imported as its text; one in a number column is an error.
    wb = workbook()
    ws = wb[excel.SHEET_INITIATIVES]
    ws["D3"] = '=HYPERLINK("http://example.invalid","klik")'  # title of 2.1, a real formula cell
    save(wb, "formula_text.xlsx")
    wb = workbook()
    wb[excel.SHEET_INITIATIVES]["Q2"] = "=1000*1000"  # funding amount of 1.1
    save(wb, "formula_number.xlsx")

    save(workbook(skip_sheet=excel.SHEET_ACTIVITIES), "missing_sheet.xlsx")
    columns = {excel.SHEET_INITIATIVES: [c for c in excel.SHEETS[excel.SHEET_INITIATIVES] if c.key != "status"]}
    save(workbook(columns=columns), "missing_column.xlsx")
    save(workbook(rows=variant(**{excel.SHEET_INITIATIVES: lambda rows: [
        {**rows[0], "direction": 9}, rows[1]]})), "unknown_direction.xlsx")
    save(workbook(rows=variant(**{excel.SHEET_INITIATIVES: lambda rows: [
        {**rows[0], "cross_links": "1, 7"}, rows[1]]})), "bad_cross_links.xlsx")
    save(workbook(rows=variant(
        **{excel.SHEET_ACTIVITIES: lambda rows: [{**rows[0], "year": 2030}, rows[1]],
           excel.SHEET_BUDGET: lambda rows: [rows[0], {**rows[1], "year": 2019}]})), "year_outside_period.xlsx")
    save(workbook(rows=variant(
        **{excel.SHEET_DIRECTIONS: lambda rows: [*rows, {**rows[1], "title": "Igen"}],
           excel.SHEET_INITIATIVES: lambda rows: [rows[0], {**rows[1], "number": "1.1"}]})),
         "duplicate_numbers.xlsx")
    # openpyxl cuts cells at Excel's 32,767 characters, so the over-long cell is edited in afterwards.
    long_file = to_bytes(workbook(rows=variant(**{excel.SHEET_INITIATIVES: lambda rows: [
        {**rows[0], "title": "T" * 301, "description": "x" * 32767}, rows[1]]})))
    with zipfile.ZipFile(io.BytesIO(long_file)) as source:
        members = {info.filename: source.read(info.filename) for info in source.infolist()}
    for name, data in members.items():
        members[name] = data.replace(b"x" * 32767, b"x" * 40000)
    (HERE / "too_long.xlsx").write_bytes(_zip(members))
    save(workbook(rows=variant(
        **{excel.SHEET_INITIATIVES: lambda rows: [{**rows[0], "start_date": "snart", "status": "Godt på vej"},
                                                  rows[1]],
           excel.SHEET_ACTIVITIES: lambda rows: [{**rows[0], "year": "næste år"}, rows[1]]})), "wrong_types.xlsx")
    save(Workbook(), "empty_workbook.xlsx")


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


if __name__ == "__main__":
    main()
