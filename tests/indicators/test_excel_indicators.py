"""Indicators and measurements in the Excel round trip, and bad measurement rows."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.models import Indicator, Measurement
from masterplan.models import Plan
from reporting.exchange import export as excel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_upload_dir(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = str(tmp_path / "pending")


def sheets(path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@pytest.fixture
def series(indicator, editor):
    for period, date, value, note in [("primo", datetime.date(2025, 1, 1), "12.3456", "Fra Nexus"),
                                      ("date", datetime.date(2025, 8, 15), "14", ""),
                                      ("ultimo", datetime.date(2025, 12, 31), "17.5", "")]:
        Measurement.objects.create(indicator=indicator, period=period, date=date, value=Decimal(value), note=note,
                                   author=editor)
    return indicator


def test_round_trip_includes_indicators_and_measurements(series, plan, tmp_path):
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    call_command("export_plan", plan.slug, str(first), stdout=io.StringIO())
    Plan.objects.create(organization=plan.organization, slug="kopi", title="Kopi", period_start=2024,
                        period_end=2026)
    call_command("import_plan", str(first), "--plan", "kopi", stdout=io.StringIO())
    call_command("export_plan", "kopi", str(second), stdout=io.StringIO())
    before, after = sheets(first), sheets(second)
    assert before["Indikatorer"][1][:6] == ["Borgere i job", "antal", None, "egen optælling", "1", "1.1"]
    assert [row[:-1] for row in before["Målinger"][1:]] == [  # the last column: each row's own id
        ["Borgere i job", "Primo", datetime.datetime(2025, 1, 1), 12.3456, "Fra Nexus", "redaktoer"],
        ["Borgere i job", "Dato", datetime.datetime(2025, 8, 15), 14, None, "redaktoer"],
        ["Borgere i job", "Ultimo", datetime.datetime(2025, 12, 31), 17.5, None, "redaktoer"],
    ]
    for title in (excel.SHEET_INDICATORS, excel.SHEET_MEASUREMENTS):  # the same cells, ids aside
        assert [row[:-1] for row in before[title]] == [row[:-1] for row in after[title]], title
    copy = Indicator.objects.get(plan__slug="kopi")
    assert copy.target_value == 20 and copy.frequency == "half_yearly"
    assert [i.number for i in copy.initiatives.all()] == ["1.1"] and copy.initiatives.get().plan.slug == "kopi"
    assert Measurement.objects.get(indicator=copy, date=datetime.date(2025, 1, 1)).value == Decimal("12.3456")

    # Importing the same file again changes nothing.
    out = io.StringIO()
    call_command("import_plan", str(first), "--plan", "kopi", stdout=out)
    assert "Indikatorer: 0 nye, 0 ændrede, 0 slettede" in out.getvalue()
    assert "Målinger: 0 nye, 0 ændrede, 0 slettede" in out.getvalue()


def edited_export(plan, tmp_path, rows):
    path = tmp_path / "edited.xlsx"
    call_command("export_plan", plan.slug, str(path), stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    ws = wb["Målinger"]
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_bad_measurement_rows_get_danish_messages_and_nothing_is_written(series, plan, tmp_path, client, editor):
    path = edited_export(plan, tmp_path, [
        ["Borgere i job", "Dato", datetime.datetime(2030, 1, 1), 3, None, None],
        ["Borgere i job", "Dato", datetime.datetime(2025, 3, 1), "mange", None, None],
        ["Borgere i job", "Dato", datetime.datetime(2025, 8, 15), 99, None, None],
        ["Ukendt indikator", "Dato", datetime.datetime(2025, 3, 1), 3, None, None],
    ])
    before = list(Measurement.objects.order_by("pk").values())
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), "--plan", plan.slug, stdout=io.StringIO(), stderr=io.StringIO())
    client.force_login(editor)
    response = client.post(reverse("plan_import", args=[plan.slug]),  # checked by the worker (immediate in tests)
                           {"file": SimpleUploadedFile("edited.xlsx", path.read_bytes())}, follow=True)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Målingen skal ligge i planens periode (2024–2026)." in html
    assert "»mange« er ikke et tal." in html
    assert "Der findes allerede en måling for 15. august 2025." in html
    assert "Indikatoren »Ukendt indikator« findes ikke i arket »Indikatorer«." in html
    assert list(Measurement.objects.order_by("pk").values()) == before


def test_a_file_without_the_indicator_sheets_leaves_indicators_alone(series, plan, tmp_path):
    path = tmp_path / "old.xlsx"
    call_command("export_plan", plan.slug, str(path), stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    del wb["Indikatorer"]
    del wb["Målinger"]
    wb.save(path)
    call_command("import_plan", str(path), "--plan", plan.slug, stdout=io.StringIO())
    assert Measurement.objects.filter(indicator=series).count() == 3


def test_the_demo_export_has_the_indicator_sheets(db, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    path = tmp_path / "svendborg.xlsx"
    call_command("export_plan", "svendborg-masterplan", str(path), stdout=io.StringIO())
    names = [row[0] for row in sheets(path)["Indikatorer"][1:]]
    assert "Borgere i KLAP-job" in names and "Sygefravær i Socialafdelingen" in names
    assert sheets(path)["Målinger"] == [["Indikator", "Periode", "Dato", "Værdi", "Note", "Indberettet af", "Id"]]


def test_an_older_file_does_not_revert_or_delete_measurements_changed_in_the_portal(series, plan, editor):
    """The Excel import's rule for every sheet: a row changed in the portal after the export
    is a conflict, kept as the portal has it unless the user chooses the file's value."""
    from initiatives.audit import audit_context
    from reporting.exchange.files import load
    from reporting.exchange.importer import import_plan

    buffer = io.BytesIO()
    excel.build_workbook(plan).save(buffer)
    older = buffer.getvalue()
    with audit_context(editor, "web"):
        changed = Measurement.objects.get(indicator=series, date=datetime.date(2025, 8, 15))
        changed.value = Decimal("15")
        changed.save()
        Measurement.objects.create(indicator=series, period="date", date=datetime.date(2025, 9, 30),
                                   value=Decimal("16"), author=editor)

    summary = import_plan(load(io.BytesIO(older), name="plan.xlsx"), plan=plan, user=editor)
    assert {c.sheet for c in summary.conflicts} == {excel.SHEET_MEASUREMENTS}
    assert Measurement.objects.get(pk=changed.pk).value == Decimal("15")  # not reverted to 14
    assert Measurement.objects.filter(indicator=series, date=datetime.date(2025, 9, 30)).exists()  # not deleted

    chosen = {c.key for c in summary.conflicts if c.key == f"measurement:{changed.pk}"}
    import_plan(load(io.BytesIO(older), name="plan.xlsx"), plan=plan, user=editor, overwrite=chosen)
    assert Measurement.objects.get(pk=changed.pk).value == Decimal("14")  # the file's value, as chosen


def test_two_new_indicators_with_one_name_are_refused_on_the_second_row(series, plan, tmp_path):
    """New indicators are inserted together, so the second of a name is found in the file."""
    path = tmp_path / "plan.xlsx"
    call_command("export_plan", plan.slug, str(path), stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    ws = wb["Indikatorer"]
    for _ in range(2):
        ws.append(["Ventetid i dage", "dage"])
    wb.save(path)
    before = list(Indicator.objects.order_by("pk").values_list("pk", "name"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_plan", str(path), "--plan", plan.slug, stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        f"ark »Indikatorer«, række {ws.max_row}, kolonne »Navn«: Der findes allerede en indikator med dette "
        "navn i planen."]
    assert list(Indicator.objects.order_by("pk").values_list("pk", "name")) == before


def test_a_new_indicator_comes_in_with_its_links(series, plan, directions, initiative, tmp_path):
    path = tmp_path / "plan.xlsx"
    call_command("export_plan", plan.slug, str(path), stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    ws = wb["Indikatorer"]
    headers = [cell.value for cell in ws[1]]
    row = {"Navn": "Ventetid i dage", "Enhed": "dage", "Retninger": f"{directions[0].number}",
           "Initiativer": initiative.number}
    ws.append([row.get(header) for header in headers])
    wb.save(path)
    call_command("import_plan", str(path), "--plan", plan.slug, stdout=io.StringIO())
    new = Indicator.objects.get(plan=plan, name="Ventetid i dage")
    assert [link.direction for link in new.direction_links.all()] == [directions[0]]
    assert [link.initiative for link in new.initiative_links.all()] == [initiative]
    assert new.order == ws.max_row - 1
    from initiatives.models import AuditEntry
    assert set(AuditEntry.objects.filter(plan_pk=plan.pk, action="create", source="import")
               .values_list("model", flat=True)) >= {"indicator", "indicatordirection", "indicatorinitiative"}
