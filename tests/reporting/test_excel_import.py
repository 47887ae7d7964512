"""Import of plan workbooks: hostile and broken files, validation, dry run, the web steps."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from initiatives.models import Activity, AuditEntry, BudgetLine, CrossLink, Initiative, StatusUpdate
from masterplan.models import Direction, Plan
from reporting.exchange import export as excel

FILES = Path(__file__).parent / "excel_files"
MODELS = (Plan, Direction, Initiative, CrossLink, Activity, StatusUpdate, BudgetLine, AuditEntry)


def db_state():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture(autouse=True)
def _private_upload_dir(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = str(tmp_path / "pending")


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_plan", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path, *args) -> str:
    """Runs the command, expects it to fail, returns everything it said."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_plan", str(path), *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue() + str(failure.value)


HOSTILE = [
    ("text.xlsx", "Filen er ikke en Excel-projektmappe (.xlsx)"),
    ("document.xlsx", "Filen er ikke en Excel-projektmappe (.xlsx)"),
    ("image.xlsx", "Filen er ikke en Excel-projektmappe (.xlsx)"),
    ("not_a_workbook.xlsx", "Filen er ikke en Excel-projektmappe (.xlsx)"),
    ("empty.xlsx", "Filen er tom."),
    ("truncated.xlsx", "Filen er beskadiget eller ufuldstændig"),
    ("corrupt.xlsx", "Filen er beskadiget eller ufuldstændig"),
    ("zip_bomb.xlsx", "Filen fylder for meget, når den pakkes ud"),
    ("macro.xlsm", "Filer med makroer (.xlsm) kan ikke indlæses"),
    ("macro_renamed.xlsx", "Filer med makroer (.xlsm) kan ikke indlæses"),
    ("formula_number.xlsx", "ark »Initiativer«, række 2, kolonne »Bevilling (kr.)«: »=1000*1000« er ikke et beløb"),
    ("empty_workbook.xlsx", "ark »Plan«: Arket »Plan« mangler."),
    ("missing_sheet.xlsx", "ark »Aktiviteter«: Arket »Aktiviteter« mangler."),
    ("missing_column.xlsx", "ark »Initiativer«, række 1, kolonne »Status«: Kolonnen »Status« mangler."),
    ("unknown_direction.xlsx", "række 2, kolonne »Retning«: Retning 9 findes ikke i arket »Retninger«."),
    ("bad_cross_links.xlsx", "kolonne »Understøtter også retning«: Retning 7 findes ikke i arket »Retninger«."),
    ("bad_cross_links.xlsx", "Et initiativ kan ikke også understøtte sin egen retning."),
    ("year_outside_period.xlsx", "ark »Aktiviteter«, række 2, kolonne »År«: Året skal ligge i planens periode "
                                 "(2024–2026)."),
    ("year_outside_period.xlsx", "ark »Budgetlinjer«, række 3, kolonne »År«: Året skal ligge i planens periode"),
    ("duplicate_numbers.xlsx", "ark »Retninger«, række 5, kolonne »Nummer«: Der findes allerede nummer 2 i denne "
                               "plan."),
    ("duplicate_numbers.xlsx", "ark »Initiativer«, række 3, kolonne »Nummer«: Der findes allerede nummer 1.1"),
    ("too_long.xlsx", "kolonne »Titel«: Denne værdi må højst have 300 tegn (den har 301)."),
    ("too_long.xlsx", "kolonne »Beskrivelse«: Denne værdi må højst have 10000 tegn (den har 40000)."),
    ("wrong_types.xlsx", "række 2, kolonne »Startdato«: »snart« er ikke en dato."),
    ("wrong_types.xlsx", "kolonne »Status«: »Godt på vej« er ikke en gyldig værdi. Vælg en af værdierne på listen: Ikke vurderet"),
    ("wrong_types.xlsx", "ark »Aktiviteter«, række 2, kolonne »År«: »næste år« er ikke et helt tal."),
]


@pytest.mark.parametrize("name, message", HOSTILE)
def test_command_refuses_bad_file_with_danish_message_and_changes_nothing(initiative, name, message):
    before = db_state()
    said = refused(FILES / name, "--plan", "testplan")
    assert message in said
    assert "Intet er ændret" in said
    assert db_state() == before


@pytest.mark.parametrize("name, message", HOSTILE)
def test_web_import_refuses_bad_file_with_danish_message_and_changes_nothing(client, editor, initiative, name,
                                                                             message):
    client.force_login(editor)
    before = db_state()
    upload = SimpleUploadedFile(name, (FILES / name).read_bytes(), content_type="application/octet-stream")
    response = client.post(reverse("plan_import", args=["testplan"]), {"file": upload}, follow=True)
    assert response.status_code == (400 if name == "empty.xlsx" else 422)  # an empty upload fails the form
    text = response.content.decode()
    assert escape(message.split(": ", 1)[-1]) in text  # the table shows sheet, row and column apart
    assert db_state() == before


def test_the_valid_fixture_imports(initiative):
    out, _ = run_import(FILES / "valid.xlsx", "--plan", "testplan")
    assert "Planen testplan er opdateret." in out
    plan = Plan.objects.get(slug="testplan")
    assert plan.initiatives.count() == 2
    first = Initiative.objects.get(plan=plan, number="1.1")
    assert first.success_criteria == ["Ventetiden er halveret.", "Borgerne er tilfredse."]
    assert [d.number for d in first.cross_links.all()] == [2]
    assert str(first.funding_amount) == "1015699.00"
    assert AuditEntry.objects.filter(source="import").exists()


def test_formula_is_imported_as_its_text_and_never_evaluated(initiative):
    run_import(FILES / "formula_text.xlsx", "--plan", "testplan")
    title = Initiative.objects.get(plan__slug="testplan", number="2.1").title
    assert title == '=HYPERLINK("http://example.invalid","klik")'


def test_dry_run_writes_nothing(initiative):
    before = db_state()
    out, _ = run_import(FILES / "valid.xlsx", "--plan", "testplan", "--dry-run")
    assert "Prøvekørsel: intet er gemt." in out
    assert "Initiativer: 1 ny, 1 ændret, 0 slettede" in out
    assert db_state() == before


def test_dry_run_of_a_new_plan_creates_nothing(initiative):
    before = db_state()
    out, _ = run_import(FILES / "valid.xlsx", "--plan", "ny-plan", "--dry-run")
    assert "Planen ny-plan ville blive oprettet." in out
    assert db_state() == before


def test_import_without_plan_option_creates_the_plan_named_in_the_file(org):
    out, _ = run_import(FILES / "valid.xlsx")
    assert "Planen testplan er oprettet." in out
    assert Plan.objects.get(slug="testplan").organization == org


def test_new_plan_needs_a_known_municipality(db):
    said = refused(FILES / "valid.xlsx")
    assert "Kommunen »testkommune« findes ikke." in said
    assert not Plan.objects.exists()


def test_import_twice_changes_nothing_the_second_time(initiative):
    run_import(FILES / "valid.xlsx", "--plan", "testplan")
    before = db_state()
    out, _ = run_import(FILES / "valid.xlsx", "--plan", "testplan")
    assert out.count("0 nye, 0 ændrede, 0 slettede") == 6, out
    assert db_state() == before


def big_workbook(bad_row: int | None = None, bad_rows=()) -> bytes:
    """A valid workbook with 500 initiatives (one activity each); optionally bad activities."""
    bad_rows = {bad_row, *bad_rows}
    wb = openpyxl.load_workbook(FILES / "valid.xlsx")
    initiatives, activities = wb[excel.SHEET_INITIATIVES], wb[excel.SHEET_ACTIVITIES]
    for n in range(1, 501):
        initiatives.append([f"3.{n}", 3, "Initiativ", f"Initiativ nummer {n}"] + [None] * 14 + ["Ikke startet"])
        year = 2099 if n in bad_rows else 2025
        activities.append([f"3.{n}", year, "Hele året", f"Aktivitet {n}", None, None, "Nej"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_one_bad_row_among_500_good_ones_writes_nothing_and_names_the_row(initiative, tmp_path):
    path = tmp_path / "stor.xlsx"
    path.write_bytes(big_workbook(bad_row=250))
    before = db_state()
    said = refused(path, "--plan", "testplan")
    # rows 2–3 are the fixture's own activities, so activity 250 is on row 253
    assert "ark »Aktiviteter«, række 253, kolonne »År«: Året skal ligge i planens periode (2024–2026)." in said
    assert "1 fejl" in said
    assert db_state() == before


def test_each_row_is_checked_on_its_own_among_many(initiative, tmp_path):
    """One form checks a sheet's rows one after another: a bad row's problem is its own, and the
    rows around it are checked afresh."""
    path = tmp_path / "stor.xlsx"
    path.write_bytes(big_workbook(bad_rows=(1, 2, 300, 500)))
    said = refused(path, "--plan", "testplan")
    message = "kolonne »År«: Året skal ligge i planens periode (2024–2026)."
    assert [line.split(", ")[1] for line in said.splitlines() if message in line] == [
        "række 4", "række 5", "række 303", "række 503"]
    assert "4 fejl" in said


def test_a_large_import_writes_in_batches_and_audits_each_object(initiative, tmp_path):
    """500 initiatives with an activity each: every new object has its own "create" entry, as
    a browser edit would, but the activities and the history go in a few INSERTs, not 1,000."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = tmp_path / "stor.xlsx"
    path.write_bytes(big_workbook())
    before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        run_import(path, "--plan", "testplan")
    new_activities = Activity.objects.filter(text__startswith="Aktivitet ")
    assert sorted(new_activities.values_list("initiative__number", "text", "year")) == sorted(
        (f"3.{n}", f"Aktivitet {n}", 2025) for n in range(1, 501))  # each row's own values
    ids = [str(pk) for pk in new_activities.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(action="create", source="import", model="activity", object_id__in=ids)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(ids)  # one each
    assert entries.filter(changes__text__1__startswith="Aktivitet ").count() == 500  # [old, new]
    assert AuditEntry.objects.filter(action="create", source="import", model="initiative",
                                     object_repr__contains="Initiativ nummer").count() == 500
    assert AuditEntry.objects.count() - before >= 1000
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "COPY"))]  # COPY: PostgreSQL
    assert 1 <= sum('"initiatives_auditentry"' in sql.split("(")[0] for sql in writes) <= 5
    assert 1 <= sum('"initiatives_activity"' in sql.split("(")[0] for sql in writes) <= 2


def test_command_exit_status_is_non_zero(initiative):
    with pytest.raises(CommandError) as failure:
        call_command("import_plan", str(FILES / "text.xlsx"), stdout=io.StringIO(), stderr=io.StringIO())
    assert failure.value.returncode == 1


# --- web ---------------------------------------------------------------------------------


def upload(client, name="valid.xlsx", data=None):
    """Upload and follow to the progress page (the worker, immediate in tests, has checked it)."""
    data = (FILES / name).read_bytes() if data is None else data
    return client.post(reverse("plan_import", args=["testplan"]), {"file": SimpleUploadedFile(name, data)},
                       follow=True)


def test_import_page_is_for_editors_only(client, reader, manager, outsider, initiative):
    """Readers and managers of the municipality may not (403); others never learn it exists (404)."""
    url = reverse("plan_import", args=["testplan"])
    for user, refused in ((reader, 403), (manager, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == refused
        assert upload(client).status_code == refused
        assert client.get(reverse("plan_import_template", args=["testplan"])).status_code == refused


def test_import_page_offers_the_template_and_the_upload_form(client, editor, initiative):
    client.force_login(editor)
    response = client.get(reverse("plan_import", args=["testplan"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert reverse("plan_import_template", args=["testplan"]) in text
    assert 'enctype="multipart/form-data"' in text


def test_upload_shows_a_preview_and_writes_nothing_until_confirmed(client, editor, initiative):
    client.force_login(editor)
    before = db_state()
    response = upload(client)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Forhåndsvisning af valid.xlsx" in text
    assert "2.1 Overgange" in text
    assert db_state() == before
    token = response.context["token"]
    response = client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": token})
    assert response["Location"] == reverse("plan_import_status", args=["testplan"])  # the worker writes it
    response = client.get(response["Location"])
    assert response["Location"] == "/plans/testplan/"  # written: on to the plan, with the message
    assert Initiative.objects.filter(plan__slug="testplan").count() == 2
    entry = AuditEntry.objects.filter(source="import", model="initiative").first()
    assert entry.user == editor
    # The token is spent: confirming again is refused.
    response = client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": token})
    assert response.status_code == 400
    assert "Forhåndsvisningen er udløbet" in response.content.decode()


def test_another_user_cannot_confirm_my_upload(client, editor, org_admin, initiative):
    client.force_login(editor)
    token = upload(client).context["token"]
    client.force_login(org_admin)
    before = db_state()
    response = client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": token})
    assert response.status_code == 400
    assert db_state() == before


def test_50_mb_upload_is_refused_before_it_is_read(client, editor, initiative):
    client.force_login(editor)
    before = db_state()
    response = upload(client, "stor.xlsx", b"PK\x03\x04" + b"\0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "Filen er for stor. Den må højst fylde 10 MB." in response.content.decode()
    assert db_state() == before


def test_upload_without_a_file_gets_a_danish_message(client, editor, initiative):
    client.force_login(editor)
    response = client.post(reverse("plan_import", args=["testplan"]), {})
    assert response.status_code == 400
    assert "Vælg en fil." in response.content.decode()


def test_template_download_is_a_workbook_with_instructions(client, editor, initiative):
    client.force_login(editor)
    response = client.get(reverse("plan_import_template", args=["testplan"]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames == [excel.SHEET_INSTRUCTIONS, *excel.SHEET_ORDER]
    for title in excel.SHEETS:
        rows = list(wb[title].iter_rows(values_only=True))
        assert len(rows) == 2  # headers and one example


def test_template_itself_imports_as_a_new_plan(org, tmp_path):
    wb = excel.build_template()
    wb[excel.SHEET_PLAN]["B4"] = "testkommune"
    path = tmp_path / "skabelon.xlsx"
    wb.save(path)
    out, _ = run_import(path)
    assert "Planen min-plan er oprettet." in out


def test_update_matches_by_number_moves_changes_and_removes(initiative, tmp_path):
    run_import(FILES / "valid.xlsx", "--plan", "testplan")
    first = Initiative.objects.get(plan__slug="testplan", number="1.1")
    wb = openpyxl.load_workbook(FILES / "valid.xlsx")
    initiatives = wb[excel.SHEET_INITIATIVES]
    initiatives["B2"], initiatives["S2"] = 3, "Forsinket/kritisk"
    initiatives.delete_rows(3)
    wb[excel.SHEET_ACTIVITIES].delete_rows(3)
    path = tmp_path / "rettet.xlsx"
    wb.save(path)
    out, _ = run_import(path, "--plan", "testplan", "--dry-run")
    assert "ændret: 1.1 Sagsbehandlingstider (Status, Retning)" in out
    assert "slettet: 2.1 Overgange" in out
    run_import(path, "--plan", "testplan")
    moved = Initiative.objects.get(pk=first.pk)  # the same row, updated in place
    assert (moved.direction.number, moved.status, moved.version) == (3, "delayed", first.version + 1)
    assert not Initiative.objects.filter(plan__slug="testplan", number="2.1").exists()
    assert AuditEntry.objects.filter(source="import", action="delete", model="initiative").exists()


def test_command_refuses_a_50_mb_file_before_reading_it(initiative, tmp_path):
    path = tmp_path / "stor.xlsx"
    with open(path, "wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written to disk
    before = db_state()
    assert "Filen er for stor. Den må højst fylde 10 MB." in refused(path, "--plan", "testplan")
    assert db_state() == before


def test_rows_read_per_sheet_are_capped(initiative, tmp_path, monkeypatch):
    from reporting.exchange import files

    monkeypatch.setattr(files, "MAX_ROWS", 100)
    path = tmp_path / "stor.xlsx"
    path.write_bytes(big_workbook())
    before = db_state()
    assert "ark »Initiativer«: Arket har for mange rækker (højst 100)." in refused(path, "--plan", "testplan")
    assert db_state() == before
