"""Excel export: the round trip on the demo plans, a workbook made for people, injection safety."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.http import QueryDict
from django.urls import reverse

from initiatives.models import Activity, Initiative, StatusUpdate
from masterplan.models import Plan
from reporting.exchange import export as excel

DEMO_PLANS = ["svendborg-masterplan", "ikast-brande-udviklingsplan", "nyborg-udviklingsplan",
              "svendborg-familie-2018"]


def cells(path_or_bytes) -> dict:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    wb = openpyxl.load_workbook(source, read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def comparable(sheets: dict) -> dict:
    """The cells that must survive a copy into another plan: all but each row's own id (the
    hidden last column of a data sheet) and the export's place in the audit history."""
    out = {}
    for title, rows in sheets.items():
        if title in excel.SHEETS:
            assert rows[0][-1] == "Id"
            ids = [row[-1] for row in rows[1:]]
            assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids), title
            rows = [row[:-1] for row in rows]
        elif title == excel.SHEET_PLAN:
            rows = [row for row in rows if row and row[0] != "Eksporteret fra historik nr."]
        out[title] = rows
    return out


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def test_export_import_export_round_trip_is_lossless_on_all_demo_plans(demo, tmp_path):
    for slug in DEMO_PLANS:
        plan = Plan.objects.get(slug=slug)
        empty = Plan.objects.create(organization=plan.organization, slug=f"tom-{slug}", title="Tom plan",
                                    period_start=2000, period_end=2000)
        first, second = tmp_path / f"{slug}-1.xlsx", tmp_path / f"{slug}-2.xlsx"
        call_command("export_plan", slug, str(first), stdout=io.StringIO())
        call_command("import_plan", str(first), "--plan", empty.slug, stdout=io.StringIO())
        call_command("export_plan", empty.slug, str(second), stdout=io.StringIO())
        before, after = comparable(cells(first)), comparable(cells(second))
        assert before[excel.SHEET_PLAN][1] == ["Kort navn", slug]
        assert after[excel.SHEET_PLAN][1] == ["Kort navn", empty.slug]
        before[excel.SHEET_PLAN][1] = after[excel.SHEET_PLAN][1] = None
        for title in excel.SHEET_ORDER:
            assert before[title] == after[title], (slug, title)
        assert len(before[excel.SHEET_INITIATIVES]) - 1 == plan.initiatives.count() > 0
        assert len(before[excel.SHEET_ACTIVITIES]) - 1 == Activity.objects.filter(initiative__plan=plan).count()
    nyborg = cells(tmp_path / "nyborg-udviklingsplan-1.xlsx")
    assert len(nyborg[excel.SHEET_BUDGET]) > 70  # the budget table made it across


def test_round_trip_keeps_status_history_odd_texts_and_formula_like_texts(initiative, editor, tmp_path):
    odd = ["=SUM(A1:A9)", "+45 12 34 56 78", "-1 borger", "@alle", "\tindrykket", "\rlinje",
           "Windows\r\nlinjeskift", "kontrol\x01tegn", "bogstaveligt _x000D_ i teksten", "  mellemrum  "]
    initiative.description = "\n".join(odd)
    initiative.title = odd[0]
    initiative.success_criteria = odd[:4]
    initiative.responsible_user = editor
    initiative.funding_amount = "1234.56"
    initiative.save()
    activity = initiative.activities.get()
    activity.text, activity.done = "=cmd|' /C calc'!A0", True
    activity.save()
    initiative.change_status(editor, "at_risk", "development", "@note")
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    call_command("export_plan", "testplan", str(first), stdout=io.StringIO())
    Plan.objects.create(organization=initiative.plan.organization, slug="kopi", title="Kopi",
                        period_start=2024, period_end=2026)
    call_command("import_plan", str(first), "--plan", "kopi", stdout=io.StringIO())
    copy = Initiative.objects.get(plan__slug="kopi", number="1.1")
    assert copy.description == initiative.description
    assert copy.title == odd[0]
    assert copy.responsible_user == editor
    assert str(copy.funding_amount) == "1234.56"
    assert copy.activities.get().text == "=cmd|' /C calc'!A0"
    update = StatusUpdate.objects.get(initiative=copy)
    original = StatusUpdate.objects.get(initiative=initiative)
    assert (update.status, update.phase, update.note, update.author) == ("at_risk", "development", "@note", editor)
    assert update.created_at == original.created_at  # to the microsecond
    call_command("export_plan", "kopi", str(second), stdout=io.StringIO())
    before, after = comparable(cells(first)), comparable(cells(second))
    before[excel.SHEET_PLAN][1] = after[excel.SHEET_PLAN][1] = None
    assert before == after


def test_formula_like_texts_are_written_as_text_with_quote_prefix(initiative, tmp_path):
    initiative.title = '=HYPERLINK("http://evil.invalid","klik")'
    initiative.save()
    path = tmp_path / "x.xlsx"
    excel.build_workbook(initiative.plan).save(path)
    cell = openpyxl.load_workbook(path)[excel.SHEET_INITIATIVES]["D2"]
    assert cell.value == initiative.title
    assert cell.data_type == "s"
    assert cell.quotePrefix
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet3.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere in the initiatives sheet


def saved_and_loaded(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_workbook_is_made_for_people(initiative):
    initiative.start_date = datetime.date(2024, 5, 1)
    initiative.funding_amount = 250000
    initiative.save()
    wb = saved_and_loaded(excel.build_workbook(initiative.plan))
    assert wb.sheetnames == excel.SHEET_ORDER
    ws = wb[excel.SHEET_INITIATIVES]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:V2"  # the hidden id column is inside, so sorting moves it along
    assert ws["A2"].alignment.wrap_text
    assert ws.column_dimensions["D"].width == 40
    assert ws["O2"].value == datetime.datetime(2024, 5, 1) and ws["O2"].is_date
    assert ws["O2"].number_format == excel.DATE_FORMAT
    assert ws["Q2"].value == 250000 and ws["Q2"].data_type == "n"
    assert ws["S2"].value == "Ikke vurderet"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert "I gang – på sporet" in lists["S2"]  # status
    assert "Implementering" in lists["T2"]  # phase
    activities = wb[excel.SHEET_ACTIVITIES]
    assert activities["C2"].value == "1. halvår"
    assert any("2. halvår" in v.formula1 for v in activities.data_validations.dataValidation)


def test_export_view_honours_the_plan_page_filters(client, reader, initiative):
    Initiative.objects.create(direction=initiative.direction, number="1.2", title="Ventelister",
                              status="delayed")
    Initiative.objects.create(direction=initiative.plan.directions.get(number=2), number="2.1",
                              title="Overgange", status="delayed")
    client.force_login(reader)
    url = reverse("plan_export", args=["testplan"])

    def numbers(query):
        response = client.get(url, query)
        assert response.status_code == 200
        assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
        assert "attachment" in response["Content-Disposition"]
        return [row[0] for row in cells(response.content)[excel.SHEET_INITIATIVES][1:]]

    assert numbers({}) == ["1.1", "1.2", "2.1"]
    assert numbers({"status": "delayed"}) == ["1.2", "2.1"]
    assert numbers({"status": "delayed", "direction": "1"}) == ["1.2"]
    assert numbers({"q": "venteli"}) == ["1.2"]
    assert numbers({"status": "bogus", "direction": "x"}) == ["1.1", "1.2", "2.1"]
    assert numbers({"direction": "9" * 30}) == ["1.1", "1.2", "2.1"]


def test_filtered_export_reimports_without_removing_the_rest(initiative, tmp_path):
    Initiative.objects.create(direction=initiative.direction, number="1.2", title="Ventelister", status="delayed")
    wb = excel.build_workbook(initiative.plan, excel.ExportFilter.from_query(QueryDict("status=delayed"), initiative.plan))
    path = tmp_path / "udsnit.xlsx"
    wb.save(path)
    call_command("import_plan", str(path), "--plan", "testplan", stdout=io.StringIO())
    assert sorted(initiative.plan.initiatives.values_list("number", flat=True)) == ["1.1", "1.2"]


def test_export_is_404_for_other_municipalities(client, outsider, initiative):
    client.force_login(outsider)
    assert client.get(reverse("plan_export", args=["testplan"])).status_code == 404


def test_export_command_refuses_unknown_plan(db):
    with pytest.raises(CommandError, match="findes ikke"):
        call_command("export_plan", "findes-ikke", "/tmp/x.xlsx")


def test_export_query_count_does_not_grow_with_the_plan(client, reader, initiative):
    client.force_login(reader)
    url = reverse("plan_export", args=["testplan"])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(2, 8):
        extra = Initiative.objects.create(direction=initiative.direction, number=f"1.{n}", title=f"Nr. {n}",
                                          responsible_user=reader)
        Activity.objects.create(initiative=extra, year=2025, text="Aktivitet.")
        extra.change_status(reader, "on_track", "", "Note")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_a_plans_own_stale_days_survive_the_round_trip(initiative, tmp_path):
    plan = initiative.plan
    plan.stale_after_days = 30
    plan.save()
    path = tmp_path / "plan.xlsx"
    excel.build_workbook(plan).save(path)
    call_command("import_plan", str(path), "--plan", "kopi", stdout=io.StringIO())
    assert Plan.objects.get(slug="kopi").stale_after_days == 30
