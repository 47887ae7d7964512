"""Spreadsheets as people edit them: conflicts with newer portal edits, admin-only fields, length
limits, same-second history, identity under sorting, status history, the workbook's layout."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl.utils import get_column_letter

from initiatives.audit import audit_context
from initiatives.models import Activity, AuditEntry, BudgetLine, CrossLink, Initiative, StatusUpdate
from masterplan.models import LONG_TEXT, Direction, Plan
from reporting.exchange import export as excel
from reporting.exchange.importer import import_plan, load

MODELS = (Plan, Direction, Initiative, CrossLink, Activity, StatusUpdate, BudgetLine)


def db_state():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture(autouse=True)
def _private_upload_dir(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = str(tmp_path / "pending")


def exported(plan) -> bytes:
    buffer = io.BytesIO()
    excel.build_workbook(plan).save(buffer)
    return buffer.getvalue()


def edited(data: bytes, edit) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    edit(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(data: bytes, plan, user=None, commit=True, **options):
    return import_plan(load(io.BytesIO(data), name="plan.xlsx"), plan=plan, user=user, commit=commit, **options)


def column(ws, header) -> str:
    return next(cell.column_letter for cell in ws[1] if cell.value == header)


def upload(client, data, name="plan.xlsx"):
    """Upload and follow to the progress page (the worker, immediate in tests, has checked it)."""
    return client.post(reverse("plan_import", args=["testplan"]), {"file": SimpleUploadedFile(name, data)},
                       follow=True)


# --- nothing newer is lost --------------------------------------------------------------------


def test_an_older_file_does_not_revert_a_title_changed_in_the_portal(client, editor, initiative):
    data = exported(initiative.plan)
    client.force_login(editor)
    response = client.post(reverse("initiative_edit", args=[initiative.pk]), {
        "title": "Ny titel fra browseren", "kind": "initiativ", "goal": initiative.goal,
        "version": initiative.version})
    assert response.status_code in (200, 302)
    initiative.refresh_from_db()
    assert initiative.title == "Ny titel fra browseren"
    older = edited(data, lambda wb: wb[excel.SHEET_INITIATIVES].cell(2, 6, "Nyt mål fra Excel"))
    before = db_state()
    response = upload(client, older)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ændret i portalen efter eksporten" in text
    assert "redaktoer" in text  # who changed it
    assert "Sagsbehandlingstider" in text and "Ny titel fra browseren" in text  # file's value → portal's
    conflict = response.context["summary"].conflicts[0]
    assert conflict.who == "redaktoer" and conflict.key == f"initiative:{initiative.pk}"
    assert db_state() == before
    # Confirmed without choosing the row: the portal's edit stays, the file's goal is not written.
    client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": response.context["token"]})
    initiative.refresh_from_db()
    assert (initiative.title, initiative.goal) == ("Ny titel fra browseren", "Kortere ventetid.")
    # Chosen per row: the file's values are written.
    response = upload(client, older)
    client.post(reverse("plan_import_confirm", args=["testplan"]),
                {"token": response.context["token"], "overwrite": conflict.key})
    initiative.refresh_from_db()
    assert (initiative.title, initiative.goal) == ("Sagsbehandlingstider", "Nyt mål fra Excel")


def test_rows_added_in_the_portal_after_the_export_are_not_deleted(editor, initiative):
    data = exported(initiative.plan)
    with audit_context(editor, "web"):
        newer = Initiative.objects.create(direction=initiative.direction, number="1.2", title="Nyere")
        Activity.objects.create(initiative=initiative, year=2025, text="Ny aktivitet i portalen.")
    summary = run(data, initiative.plan, user=editor)
    assert {c.label for c in summary.conflicts} >= {"1.2 Nyere"}
    assert Initiative.objects.filter(pk=newer.pk).exists()
    assert initiative.activities.filter(text="Ny aktivitet i portalen.").exists()
    assert not any(summary.sheets[excel.SHEET_INITIATIVES].removed)


def test_an_unchanged_row_is_no_conflict_however_much_the_portal_changed_elsewhere(editor, initiative):
    other = Initiative.objects.create(direction=initiative.direction, number="1.2", title="Andet")
    data = exported(initiative.plan)
    with audit_context(editor, "web"):
        other.title = "Andet, rettet"
        other.save()
    summary = run(edited(data, lambda wb: wb[excel.SHEET_INITIATIVES].cell(2, 6, "Nyt mål")), initiative.plan,
                  user=editor)
    assert [c.label for c in summary.conflicts] == ["1.2 Andet"]
    initiative.refresh_from_db()
    other.refresh_from_db()
    assert (initiative.goal, other.title) == ("Nyt mål", "Andet, rettet")


def test_an_editors_import_never_changes_published_or_the_period(client, editor, superuser, initiative):
    def admin_edit(wb):
        ws = wb[excel.SHEET_PLAN]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "Offentliggjort":
                row[1].value = "Ja"
            if row[0].value == "Periode til (år)":
                row[1].value = 2030
            if row[0].value == "Titel":
                row[1].value = "Ny titel"

    data = edited(exported(initiative.plan), admin_edit)
    client.force_login(editor)
    response = upload(client, data)
    text = response.content.decode()
    assert "Nogle felter kan kun ændres af en administrator" in text
    assert "Offentliggjort: Nej (i filen: Ja)" in text
    client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": response.context["token"]})
    plan = Plan.objects.get(slug="testplan")
    assert (plan.title, plan.published, plan.period_end) == ("Ny titel", False, 2026)
    client.force_login(superuser)  # from a new export: the plan's title changed since the first one
    response = upload(client, edited(exported(plan), admin_edit))
    assert not response.context["summary"].kept
    client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": response.context["token"]})
    plan.refresh_from_db()
    assert (plan.published, plan.period_end) == (True, 2030)


# --- one length limit, full precision ---------------------------------------------------------------


def test_one_length_limit_in_model_form_import_and_export(client, editor, initiative):
    client.force_login(editor)
    url = reverse("initiative_edit", args=[initiative.pk])
    response = client.post(url, {"title": "T", "kind": "initiativ", "description": "x" * (LONG_TEXT + 1),
                                 "version": initiative.version})
    assert response.status_code == 422
    assert f"højst have {LONG_TEXT} tegn" in response.content.decode()
    initiative.description = "x" * LONG_TEXT  # the longest text the portal takes …
    initiative.save()
    data = exported(initiative.plan)
    ws = openpyxl.load_workbook(io.BytesIO(data))[excel.SHEET_INITIATIVES]
    assert ws[f"{column(ws, 'Beskrivelse')}2"].value == "x" * LONG_TEXT  # … is exported whole …
    summary = run(data, initiative.plan)
    assert not summary.has_changes  # … and re-imports as no change
    assert LONG_TEXT < 32_767


def test_same_second_history_round_trips_with_full_precision(editor, initiative, tmp_path):
    moment = timezone.now().replace(microsecond=0)
    for micro, status in ((1, "on_track"), (999_998, "at_risk")):
        update = initiative.change_status(editor, status, "", "")
        update.created_at = moment + datetime.timedelta(microseconds=micro)
        update.save()
    data = exported(initiative.plan)
    assert not run(data, initiative.plan).has_changes  # the unchanged file re-imports
    copy = Plan.objects.create(organization=initiative.plan.organization, slug="kopi", title="Kopi",
                               period_start=2024, period_end=2026)
    run(data, copy)
    times = sorted(StatusUpdate.objects.filter(initiative__plan=copy).values_list("created_at", flat=True))
    assert times == sorted(StatusUpdate.objects.filter(initiative=initiative).values_list("created_at", flat=True))


# --- identity, order, status history ----------------------------------------------------------------


@pytest.fixture
def fuller(initiative, editor):
    plan = initiative.plan
    second = Initiative.objects.create(direction=initiative.direction, number="1.2", title="Ventelister", order=2)
    third = Initiative.objects.create(direction=plan.directions.get(number=2), number="2.1", title="Overgange")
    for n, target in enumerate((initiative, initiative, second, third)):
        Activity.objects.create(initiative=target, year=2024 + n % 3, text=f"Aktivitet {n}", order=n)
    BudgetLine.objects.create(plan=plan, year=2025, amount=100, label="Ramme", order=1)
    BudgetLine.objects.create(plan=plan, initiative=second, year=2025, amount=200, label="Løn", order=1)
    BudgetLine.objects.create(plan=plan, initiative=second, year=2026, amount=300, label="Drift", order=2)
    initiative.change_status(editor, "on_track", "", "Første")
    second.change_status(editor, "at_risk", "", "Anden")
    return plan


def reversed_rows(wb):
    for title in excel.SHEETS:
        ws = wb[title]
        rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=2)]
        for number, values in enumerate(reversed(rows), start=2):
            for index, value in enumerate(values, start=1):
                ws.cell(number, index).value = value  # ws.cell(..., None) would keep the old value


def test_reversed_rows_are_no_change_and_keep_the_portals_order(fuller):
    data = edited(exported(fuller), reversed_rows)
    before = db_state()
    summary = run(data, fuller, commit=False)
    for title, changes in summary.sheets.items():
        assert not changes.new and not changes.removed and not changes.changed, title
    assert summary.reordered > 0  # the preview says the order differs
    run(data, fuller)
    assert db_state() == before
    # Asked for, the file's order is taken: the order changes, nothing else.
    run(data, fuller, file_order=True)
    numbers = list(fuller.initiatives.filter(direction__number=1).order_by("order").values_list("number", flat=True))
    assert numbers == ["1.2", "1.1"]
    assert sorted(Activity.objects.values_list("pk", "text")) == sorted((a["id"], a["text"]) for a in before["Activity"])


def test_a_status_changed_in_excel_is_recorded_in_the_history_with_the_importing_user(client, editor, initiative):
    data = edited(exported(initiative.plan), lambda wb: wb[excel.SHEET_INITIATIVES].cell(2, 19, "Forsinket/kritisk"))
    client.force_login(editor)
    response = upload(client, data)
    assert response.status_code == 200
    client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": response.context["token"]})
    initiative.refresh_from_db()
    update = initiative.status_updates.get()
    assert (initiative.status, update.status, update.author) == ("delayed", "delayed", editor)
    assert AuditEntry.objects.filter(model="statusupdate", source="import", user=editor).exists()


def test_the_preview_shows_old_and_new_values(client, editor, initiative):
    initiative.funding_amount = 250000
    initiative.save()
    data = edited(exported(initiative.plan), lambda wb: wb[excel.SHEET_INITIATIVES].cell(2, 17, 250))
    client.force_login(editor)
    text = upload(client, data).content.decode()
    assert "Bevilling (kr.): <del>250.000 kr.</del> → <ins>250 kr.</ins>" in text


def test_ods_files_are_refused_naming_libreoffices_xlsx_format(client, editor, initiative):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    client.force_login(editor)
    for name in ("plan.ods", "plan.xlsx"):
        response = upload(client, buffer.getvalue(), name)
        assert response.status_code == 422
        assert "»Excel 2007-365 (.xlsx)«" in response.content.decode()


# --- the workbook as LibreOffice and a printer see it ------------------------------------------------


def test_every_sheet_keeps_text_as_text_has_row_heights_named_fonts_and_a_print_setup(fuller):
    initiative = fuller.initiatives.get(number="1.1")
    initiative.description = "Et langt afsnit om sagsbehandling. " * 40
    initiative.save()
    wb = openpyxl.load_workbook(io.BytesIO(exported(fuller)))
    for title, columns in excel.SHEETS.items():
        ws = wb[title]
        # As many pages across as keep the print readable, the first column on each of them.
        width = sum(ws.column_dimensions[get_column_letter(i)].width for i in range(1, len(columns)))
        across = ws.page_setup.fitToWidth
        assert ws.page_setup.orientation == "landscape" and width / across <= excel.PAGE_WIDTH, title
        assert across == 1 or (width / (across - 1) > excel.PAGE_WIDTH and ws.print_title_cols == "$A:$A"), title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1", title
        assert fuller.title in ws.oddHeader.center.text
        for index, col in enumerate(columns, start=1):
            letter = get_column_letter(index)
            assert ws[f"{letter}1"].font.name and ws[f"{letter}1"].font.b, (title, col.header)
            if col.kind in excel.TEXT_KINDS:
                # the column's own format covers the empty rows below the data
                assert ws.column_dimensions[letter].number_format == "@", (title, col.header)
                assert all(ws.cell(r, index).number_format == "@" for r in range(2, ws.max_row + 1))
        assert ws.column_dimensions[get_column_letter(len(columns))].hidden  # the id column
    ws = wb[excel.SHEET_INITIATIVES]
    row = next(c.row for c in ws["A"] if c.value == "1.1")
    assert ws.row_dimensions[row].height > 100
    assert ws[f"{column(ws, 'Nummer')}{row}"].value == "1.1"
    assert wb[excel.SHEET_DIRECTIONS]["A2"].value == "1"  # a direction's number is text too
