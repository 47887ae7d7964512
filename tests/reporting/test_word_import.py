"""Bringing a plan in from Word: the seed shapes, unknown shapes, hostile files, the command."""

import html
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from initiatives.models import Activity, AuditEntry, BudgetLine, CrossLink, Initiative, StatusUpdate
from masterplan.models import Direction, Plan

WORD = Path(settings.BASE_DIR) / "fixtures" / "word"
SEEDS = ["svendborg-masterplan", "ikast-brande-udviklingsplan", "nyborg-udviklingsplan", "svendborg-familie-2018"]
MODELS = (Plan, Direction, Initiative, CrossLink, Activity, StatusUpdate, BudgetLine, AuditEntry)


def db_state():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_docx", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def refused(path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_docx", str(path), *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue() + str(failure.value)


@pytest.fixture
def demo(db):
    call_command("load_demo", "--no-users", stdout=io.StringIO())


# --- what a plan is made of, to compare an imported plan with the demo plan -------------------

def structure(plan):
    return {
        "labels": (plan.direction_label, plan.direction_label_plural, plan.initiative_label,
                   plan.initiative_label_plural),
        "organization": plan.organization_id,
        "title": plan.title,
        "directions": [(d.number, d.statement, [i.number for i in d.initiatives.order_by("order")])
                       for d in plan.directions.order_by("order")],
        "kinds": sorted(plan.initiatives.values_list("number", "kind")),
        "activities": sorted(Activity.objects.filter(initiative__plan=plan)
                             .values_list("initiative__number", "year", "period", "text")),
        "cross_links": sorted(CrossLink.objects.filter(initiative__plan=plan)
                              .values_list("initiative__number", "direction__number")),
        "budget": sorted((b.initiative.number if b.initiative else "", b.year, b.amount, b.label, b.kind)
                         for b in BudgetLine.objects.filter(plan=plan).select_related("initiative")),
    }


def sentences(plan) -> list[str]:
    texts = [plan.intro, plan.vision]
    for d in plan.directions.all():
        texts += [d.statement, d.goal, d.purpose, d.description, *d.success_criteria, *d.focus_points]
    for i in plan.initiatives.all():
        texts += [i.title, i.description, i.goal, i.purpose, i.follow_up, i.deadline, i.responsible,
                  *i.success_criteria, *i.expected_outcomes, *i.actions]
        texts += [a.text for a in i.activities.all()]
    return [s.strip().removeprefix("- ") for text in texts for s in re.split(r"(?<=[.!?])\s+|\n+", text or "")
            if s.strip()]


@pytest.mark.parametrize("slug", SEEDS)
def test_word_file_in_each_seed_shape_imports_as_the_demo_plan(demo, slug):
    out = run(WORD / f"{slug}.docx", "--plan", f"word-{slug}")
    assert f"Planen word-{slug} er oprettet." in out
    demo_plan, imported = Plan.objects.get(slug=slug), Plan.objects.get(slug=f"word-{slug}")
    assert structure(imported) == structure(demo_plan)
    wanted, found = sentences(demo_plan), set(sentences(imported))
    share = sum(s in found for s in wanted) / len(wanted)
    assert share >= 0.98, [s for s in wanted if s not in found][:5]
    assert AuditEntry.objects.filter(plan_pk=imported.pk, source="word").exists()
    assert not AuditEntry.objects.filter(plan_pk=imported.pk).exclude(source="word").exists()


@pytest.mark.parametrize("slug", SEEDS)
def test_the_same_document_into_its_own_demo_plan_changes_nothing_but_what_the_document_says(demo, slug):
    before = structure(Plan.objects.get(slug=slug))
    out = run(WORD / f"{slug}.docx", "--plan", slug)
    assert f"Planen {slug} er opdateret." in out
    assert structure(Plan.objects.get(slug=slug)) == before
    changed = AuditEntry.objects.filter(source="word")
    if slug == "nyborg-udviklingsplan":  # the heading "F4 - Faglig kvalitet i sagsbehandlingen" names it
        assert list(changed.values_list("model", "object_repr")) == [("direction", "4: Faglig kvalitet i "
                                                                                   "sagsbehandlingen")]
    else:
        assert not changed.exists()


def test_import_matches_by_number_and_keeps_what_the_document_does_not_say(demo, editor):
    plan = Plan.objects.get(slug="svendborg-masterplan")
    initiative = plan.initiatives.get(number="1.2")
    initiative.change_status(editor, "at_risk", "development", "Forsinket leverance.")
    initiative.refresh_from_db()
    initiative.title = "Gammel titel"
    initiative.version += 1
    initiative.save()
    run(WORD / "svendborg-masterplan.docx", "--plan", plan.slug)
    initiative.refresh_from_db()
    assert initiative.title == "Nexus Borger"  # updated from the document, in place
    assert (initiative.status, initiative.phase) == ("at_risk", "development")  # the portal's own
    assert initiative.status_updates.filter(note="Forsinket leverance.").exists()
    assert plan.initiatives.count() == 26


def test_dry_run_writes_nothing(demo):
    before = db_state()
    out = run(WORD / "nyborg-udviklingsplan.docx", "--plan", "ny-plan", "--dry-run")
    assert "Planen ny-plan ville blive oprettet." in out
    assert "Prøvekørsel: intet er gemt." in out
    assert db_state() == before


def test_without_plan_option_the_short_name_comes_from_the_title(demo):
    out = run(WORD / "svendborg-familie-2018.docx", "--dry-run")
    assert "Planen udviklingsplan-for-2018-i-familieafdelingen-sikkert-grundlag ville blive oprettet." in out


def test_preview_names_where_each_part_came_from(demo):
    out = run(WORD / "svendborg-masterplan.docx", "--plan", "x", "--dry-run")
    assert "Plan: Masterplan for det sociale område (2024–2027); form: handleplan" in out
    assert "Retning 2 (afsnit 7): Borgerne oplever en veltilrettelagt overgang" in out
    assert "  Initiativ 2.2 (tabel 4, række 2): Palliativt projekt – 3 aktiviteter; understøtter også 5" in out
    assert "afsnit 1: Handleplaner der understøtter implementeringen af (Undertitel; ikke gemt.)" in out


def test_a_period_the_document_does_not_name_is_said_to_be_the_years_it_found(client, demo):
    """Ikast-Brande's plan names no period; its one dated activity is in 2021. The preview says
    that 2021–2021 is only the years found, and who can change it; a plan whose title names
    its period gets no such note."""
    from masterplan.models import Membership
    from tests.conftest import make_user

    note = ("Dokumentet nævner ingen periode: 2021–2021 er årene i dets aktiviteter og budget. Gælder planen "
            "længere, kan en administrator rette perioden under »Periode og vedtagelse« i administrationen.")
    out = run(WORD / "ikast-brande-udviklingsplan.docx", "--plan", "ikast-ny", "--dry-run")
    assert "Plan: Struktur- og udviklingsplan (2021–2021)" in out and note in out
    assert "nævner ingen periode" not in run(WORD / "svendborg-masterplan.docx", "--plan", "x", "--dry-run")
    plan = Plan.objects.get(slug="ikast-brande-udviklingsplan")
    client.force_login(make_user("ikast-konsulent", plan.organization, Membership.Role.EDITOR))
    page = upload(client, plan.slug, "plan.docx", (WORD / "ikast-brande-udviklingsplan.docx").read_bytes())
    assert page.status_code == 200
    cell = re.search(r'<th scope="row">Periode</th><td>(.*?)</td>', page.content.decode(), re.S).group(1)
    assert html.unescape(cell) == f'2021–2021<br><span class="plan-meta">{note}</span>'


def test_page_break_fragments_are_stitched_into_the_cell_they_continue(demo):
    run(WORD / "svendborg-masterplan.docx", "--plan", "x")
    last = Activity.objects.filter(initiative__plan__slug="x", initiative__number="2.2", year=2025).last()
    assert "socialt udsatte borgere i en breder kontekst, så borgere udenfor" in last.text
    run(WORD / "svendborg-familie-2018.docx", "--plan", "y")
    initiative = Initiative.objects.get(plan__slug="y", number="1.2")
    assert initiative.description == "Herunder undersøges mulighederne for på sigt at nedbringe sagsbehandlingstiden."
    assert "indenfor servicelovens foreskriver – herunder overholdelse af tidsfrister." in initiative.purpose


# --- documents of an unknown shape --------------------------------------------------------------

def unknown_document(path):
    document = docx.Document()
    document.add_paragraph("Referat af møde i styregruppen", style="Title")
    document.add_paragraph("Punkt A", style="Heading 1")
    document.add_paragraph("Vi drøftede budgettet og Svendborg Kommune.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Navn"
    table.cell(1, 0).text = "Karen"
    document.save(path)
    return path


def test_a_document_of_unknown_shape_gets_a_preview_of_what_was_found_not_a_crash(demo, tmp_path):
    before = db_state()
    said = refused(unknown_document(tmp_path / "referat.docx"), "--plan", "referat")
    assert "Plan: Referat af møde i styregruppen" in said
    assert "Indledning: Vi drøftede budgettet og Svendborg Kommune." in said
    assert "Overskrifter, der ikke er retninger eller initiativer (1):\n  afsnit 2: Punkt A" in said
    assert "Kunne ikke placeres (1):" in said
    assert "tabel 1: Navn (Tabellen ligner ingen af de kendte former.)" in said
    assert "Dokumentet indeholder ingen retninger eller initiativer, som portalen kunne genkende." in said
    assert "Intet er ændret." in said
    assert db_state() == before


def test_a_new_plan_needs_a_municipality_the_document_names(db, tmp_path):
    document = docx.Document()
    document.add_paragraph("Retning 1: Borgerne får hjælp.", style="Heading 1")
    document.save(tmp_path / "plan.docx")
    said = refused(tmp_path / "plan.docx", "--plan", "ny")
    assert "En ny plan skal høre til en kendt kommune" in said
    assert not Plan.objects.exists()


# --- hostile and broken files ----------------------------------------------------------------------

def docx_bytes(**replace) -> bytes:
    """The Svendborg fixture with some members replaced (name → bytes, None to drop)."""
    source = zipfile.ZipFile(WORD / "svendborg-masterplan.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename in replace:
                continue
            target.writestr(item, source.read(item))
        for name, data in replace.items():
            if data is not None:
                target.writestr(name, data)
    return buffer.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><w:document xmlns:w="http://schemas.openxmlformats.org/'
          b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="http://'
       b'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
       b'</w:body></w:document>')


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (101 * 1024 * 1024) + b"</w:document>")
    return buffer.getvalue()


def huge_body() -> bytes:
    body = b"<w:p><w:r><w:t>" + b"x" * 1000 + b"</w:t></w:r></w:p>"
    return docx_bytes(**{"word/document.xml": b"<w:document><w:body>" + body * 27_000 + b"</w:body></w:document>"})


def xlsx_bytes() -> bytes:
    return (Path(__file__).parent / "excel_files" / "valid.xlsx").read_bytes()


HOSTILE = [
    ("tekst.docx", lambda: "Retning 1: ikke et dokument".encode(), "Filen er ikke et Word-dokument (.docx)"),
    ("tom.docx", lambda: b"", "Filen er tom."),
    ("afbrudt.docx", lambda: (WORD / "svendborg-masterplan.docx").read_bytes()[:5000],
     "Filen er beskadiget eller ufuldstændig"),
    ("rod.docx", lambda: docx_bytes(**{"word/document.xml": b"<w:document><w:body>"}),
     "Filen er beskadiget eller ufuldstændig"),
    ("bombe.docx", zip_bomb, "Filen fylder for meget, når den pakkes ud"),
    ("makro.docm", lambda: (WORD / "svendborg-masterplan.docx").read_bytes(),
     "Dokumenter med makroer (.docm) kan ikke indlæses"),
    ("makro-omdoebt.docx", lambda: docx_bytes(**{"word/vbaProject.bin": b"\x00" * 64}),
     "Dokumenter med makroer (.docm) kan ikke indlæses"),
    ("latter.docx", lambda: docx_bytes(**{"word/document.xml": LAUGHS}),
     "Dokumentet indeholder XML-definitioner (DTD eller entiteter)"),
    ("xxe.docx", lambda: docx_bytes(**{"word/document.xml": XXE}),
     "Dokumentet indeholder XML-definitioner (DTD eller entiteter)"),
    ("stor-tekst.docx", huge_body, "Dokumentets tekst fylder mere end portalen vil læse (højst 25 MB)"),
    ("gammel.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Filen er et ældre Word-dokument (.doc)"),
    ("regneark.docx", xlsx_bytes, "Filen er ikke et Word-dokument (.docx)"),
    ("libre.odt", lambda: b"PK\x03\x04" + b"\x00" * 100, "Filen er et LibreOffice-dokument (.odt)"),
]


@pytest.mark.parametrize("name, make, message", HOSTILE)
def test_command_refuses_a_hostile_file_with_a_danish_message_and_changes_nothing(demo, tmp_path, name, make,
                                                                                    message):
    path = tmp_path / name
    path.write_bytes(make())
    before = db_state()
    said = refused(path, "--plan", "svendborg-masterplan")
    assert message in said
    assert "Intet er ændret." in said
    assert "Traceback" not in said
    assert db_state() == before


def test_command_refuses_a_file_over_the_size_cap_before_reading_it(demo, tmp_path, monkeypatch):
    path = tmp_path / "stor.docx"
    with open(path, "wb") as handle:
        handle.truncate(11 * 1024 * 1024)  # sparse: nothing is read if the size is checked first
    monkeypatch.setattr("reporting.exchange.word.read_document", lambda *a: pytest.fail("read"))
    before = db_state()
    said = refused(path)
    assert "Filen er for stor. Den må højst fylde 10 MB." in said
    assert db_state() == before


# --- the web page: upload, preview, confirm ---------------------------------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.html import escape  # noqa: E402


@pytest.fixture(autouse=True)
def _private_upload_dir(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = str(tmp_path / "pending")


@pytest.fixture
def demo_editor(demo):
    from masterplan.models import Membership, Organization
    from tests.conftest import make_user

    return make_user("konsulent-test", Organization.objects.get(slug="svendborg"), Membership.Role.EDITOR)


def upload(client, slug, name, data):
    return client.post(reverse("plan_import_word", args=[slug]),
                       {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")})


def test_word_page_offers_the_upload_form_beside_the_excel_import(client, demo_editor):
    client.force_login(demo_editor)
    page = client.get(reverse("plan_import_word", args=["svendborg-masterplan"])).content.decode()
    assert 'type="file"' in page and 'accept=".docx' in page
    assert reverse("plan_import", args=["svendborg-masterplan"]) in page
    excel = client.get(reverse("plan_import", args=["svendborg-masterplan"])).content.decode()
    assert reverse("plan_import_word", args=["svendborg-masterplan"]) in excel


def test_upload_shows_the_tree_with_sources_and_writes_nothing_until_confirmed(client, demo_editor):
    client.force_login(demo_editor)
    plan = Plan.objects.get(slug="svendborg-masterplan")
    plan.initiatives.filter(number="2.2").update(title="Gammel titel")
    Activity.objects.filter(initiative__plan=plan, initiative__number="1.1").first().delete()
    before = db_state()
    response = upload(client, plan.slug, "plan.docx", (WORD / "svendborg-masterplan.docx").read_bytes())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Det fandt portalen i plan.docx" in page
    assert "<strong>Retning 2:</strong> Borgerne oplever en veltilrettelagt overgang" in page
    assert "Initiativ 2.2: Palliativt projekt" in page and "(tabel 4, række 2; 3 aktiviteter; understøtter også 5)" in page
    assert "<td>1. halvår</td><td>Arbejdet med at implementere kalenderfunktionen i Nexus påbegyndes.</td>" in page
    assert "Handleplaner der understøtter implementeringen af" in page  # could not be placed
    assert "Gammel titel" in page and "Palliativt projekt" in page  # old → new
    assert db_state() == before
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = client.post(reverse("plan_import_word_confirm", args=[plan.slug]), {"token": token})
    assert response.status_code == 302
    assert plan.initiatives.get(number="2.2").title == "Palliativt projekt"
    assert plan.initiatives.get(number="1.1").activities.count() == 5
    entry = AuditEntry.objects.get(model="initiative", object_repr__startswith="2.2", action="update")
    assert (entry.source, entry.user) == ("word", demo_editor)


def test_the_same_document_again_shows_no_changes(client, demo_editor):
    client.force_login(demo_editor)
    response = upload(client, "svendborg-familie-2018", "plan.docx",
                      (WORD / "svendborg-familie-2018.docx").read_bytes())
    assert "Dokumentet indeholder ingen ændringer i forhold til planen." in response.content.decode()


def test_another_user_cannot_confirm_my_upload(client, demo_editor):
    from masterplan.models import Membership, Organization
    from tests.conftest import make_user

    client.force_login(demo_editor)
    page = upload(client, "svendborg-masterplan", "plan.docx",
                  (WORD / "svendborg-masterplan.docx").read_bytes()).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    other = make_user("kollega", Organization.objects.get(slug="svendborg"), Membership.Role.EDITOR)
    client.force_login(other)
    before = db_state()
    response = client.post(reverse("plan_import_word_confirm", args=["svendborg-masterplan"]), {"token": token})
    assert response.status_code == 400
    assert "Forhåndsvisningen er udløbet eller hører ikke til dig." in response.content.decode()
    assert db_state() == before


@pytest.mark.parametrize("name, make, message", HOSTILE)
def test_web_import_refuses_a_hostile_file_with_a_danish_message_and_changes_nothing(client, demo_editor, name,
                                                                                     make, message):
    client.force_login(demo_editor)
    before = db_state()
    response = upload(client, "svendborg-masterplan", name, make())
    assert response.status_code == (400 if name == "tom.docx" else 422)
    assert escape(message) in response.content.decode()
    assert db_state() == before


def test_web_import_refuses_an_upload_over_the_size_cap_before_reading_it(client, demo_editor):
    client.force_login(demo_editor)
    before = db_state()
    response = upload(client, "svendborg-masterplan", "stor.docx", b"0" * (11 * 1024 * 1024))
    assert response.status_code == 413
    assert "Filen er for stor. Den må højst fylde 10 MB." in response.content.decode()
    assert db_state() == before


def test_web_import_of_an_unknown_shape_lists_what_it_found(client, demo_editor, tmp_path):
    client.force_login(demo_editor)
    before = db_state()
    response = upload(client, "svendborg-masterplan", "referat.docx",
                      unknown_document(tmp_path / "referat.docx").read_bytes())
    assert response.status_code == 422
    page = response.content.decode()
    assert "Dokumentet indeholder ingen retninger eller initiativer, som portalen kunne genkende." in page
    assert "<td>tabel 1</td><td>Navn</td><td>Tabellen ligner ingen af de kendte former.</td>" in page
    assert "Referat af møde i styregruppen" in page
    assert "Ingen retninger fundet" in page
    assert 'Punkt A <span class="plan-meta">(afsnit 2)</span>' in page
    assert db_state() == before


def test_a_problem_the_models_find_is_told_with_where_in_the_document(client, demo_editor, tmp_path):
    document = docx.Document()
    document.add_paragraph("Retning 1: " + "Lang " * 3000, style="Heading 1")
    document.add_paragraph("1.1 Initiativ – " + "x" * 400, style="Heading 2")
    document.save(tmp_path / "lang.docx")
    client.force_login(demo_editor)
    before = db_state()
    response = upload(client, "svendborg-masterplan", "lang.docx", (tmp_path / "lang.docx").read_bytes())
    assert response.status_code == 422
    page = response.content.decode()
    assert "<td>afsnit 2</td><td>Titel: Denne værdi må højst have 300 tegn (den har 400).</td>" in page
    assert db_state() == before


def test_a_document_with_more_blocks_than_the_cap_is_refused(demo, tmp_path, monkeypatch):
    monkeypatch.setattr("reporting.exchange.word.document.MAX_BLOCKS", 50)
    before = db_state()
    said = refused(WORD / "svendborg-masterplan.docx", "--plan", "svendborg-masterplan")
    assert "Dokumentet er for langt (højst 50 afsnit og tabelrækker)." in said
    assert db_state() == before


def test_the_upload_page_costs_the_same_queries_whatever_the_plan(client, demo_editor, django_assert_max_num_queries):
    client.force_login(demo_editor)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("plan_import_word", args=["svendborg-masterplan"])).status_code == 200


def test_seed_000_as_it_stands_imports_with_its_structure_and_sentences(demo):
    """The seed's own text export as Word, with nothing added: titles run on into their descriptions
    and no bold, year rows that do not line up, headers and cells split by page breaks."""
    run(WORD / "seed-000-som-tekst.docx", "--plan", "seed-000")
    demo_plan, imported = Plan.objects.get(slug="svendborg-masterplan"), Plan.objects.get(slug="seed-000")
    wanted, got = structure(demo_plan), structure(imported)
    assert got["directions"] == wanted["directions"]
    assert got["cross_links"] == wanted["cross_links"]
    assert got["kinds"] == wanted["kinds"]
    assert [a[:3] for a in got["activities"]] == [a[:3] for a in wanted["activities"]]
    text = " ".join(" ".join(sentences(imported)).split())
    missing = [s for s in sentences(demo_plan) if " ".join(s.split()) not in text]
    assert len(missing) <= 0.02 * len(sentences(demo_plan)), missing[:5]
    titles = dict(imported.initiatives.values_list("number", "title"))
    same = [n for n, title in demo_plan.initiatives.values_list("number", "title") if titles.get(n) == title]
    assert len(same) >= 20, sorted(set(titles) - set(same))


def test_seed_004_as_it_stands_imports_its_themes_and_says_what_it_left_out(demo):
    """Seed 004's own text export as Word: fragment tables after page breaks, cells without styles,
    and the last theme's goal box outside its table (where the text export put it)."""
    out = run(WORD / "seed-004-som-tekst.docx", "--plan", "seed-004")
    demo_plan, imported = Plan.objects.get(slug="svendborg-familie-2018"), Plan.objects.get(slug="seed-004")
    assert imported.title == "Udviklingsplan for 2018 i Familieafdelingen"
    assert (imported.period_start, imported.period_end) == (2018, 2018)
    assert structure(imported)["directions"] == structure(demo_plan)["directions"]
    text = " ".join(" ".join(sentences(imported)).split())
    missing = [s for s in sentences(demo_plan) if " ".join(s.split()) not in text]
    assert len(missing) <= 0.03 * len(sentences(demo_plan)), missing
    assert "afsnit 46: Målet er, at ledelsen i Familieafdelingen skal konsoliderer ledelsesgrundlaget." in out
    fields = ("number", "title", "responsible", "deadline")
    same = set(demo_plan.initiatives.values_list(*fields)) & set(imported.initiatives.values_list(*fields))
    assert len(same) >= 39


def test_preview_names_the_plans_parts_in_its_own_words(client, demo):
    """Nyborg's plan has "Fokusområder" and "Handlinger"; a document has no sheets called "Retninger"."""
    from masterplan.models import Membership, Organization
    from tests.conftest import make_user

    client.force_login(make_user("nyborg-test", Organization.objects.get(slug="nyborg"), Membership.Role.EDITOR))
    plan = Plan.objects.get(slug="nyborg-udviklingsplan")
    plan.directions.filter(number=4).update(title="Gammel titel")
    page = upload(client, plan.slug, "plan.docx", (WORD / "nyborg-udviklingsplan.docx").read_bytes()).content.decode()
    assert '<th scope="row">Fokusområder</th>' in page and '<th scope="row">Handlinger</th>' in page
    assert "<h4>Fokusområder</h4>" in page and "statushistorik og handlinger, som dokumentet" in page
    assert ">Retninger<" not in page and ">Initiativer<" not in page
    assert '<td class="align-text-right">' in page  # DKFDS's class: the counts stand at the right
