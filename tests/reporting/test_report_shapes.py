"""Every demo plan's report in its own shape: nothing the plan holds is left out,
no column is empty (issue 12)."""

import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import models

from initiatives.models import Activity, BudgetLine, Initiative, StatusUpdate
from masterplan.models import Direction, Plan
from reporting.models import ReportEdition
from reporting.report.content import build_snapshot, content_hash, render_html, render_pdf
from tests.reporting.pdf_streams import flate_streams

pytestmark = pytest.mark.django_db

# Each demo plan's first follow-up: the edition the seed documents are.
DEMO = {"svendborg-masterplan": 2024, "ikast-brande-udviklingsplan": 2021,
        "nyborg-udviklingsplan": 2024, "svendborg-familie-2018": 2018}
# Fields that are codes, settings or labels rather than the plan's content.
NOT_CONTENT = {"slug", "number", "direction_label", "direction_label_plural", "initiative_label",
               "initiative_label_plural", "version"}


def normalise(text: str) -> str:
    return " ".join(text.split())


def stored_texts(plan) -> list[tuple[str, str]]:
    """(where, text) for every stored text of the plan: each text and list field of the
    plan, its directions, initiatives, activities, budget lines and status notes, found by
    walking the models' fields (choices, slugs and labels left out)."""
    rows = [(Plan, Plan.objects.filter(pk=plan.pk)), (Direction, Direction.objects.filter(plan=plan)),
            (Initiative, Initiative.objects.filter(plan=plan)),
            (Activity, Activity.objects.filter(initiative__plan=plan)),
            (BudgetLine, BudgetLine.objects.filter(plan=plan)),
            (StatusUpdate, StatusUpdate.objects.filter(initiative__plan=plan))]
    texts = []
    for model, queryset in rows:
        fields = [f for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))
                  and not f.choices and f.name not in NOT_CONTENT]
        for obj in queryset:
            for field in fields:
                value = getattr(obj, field.name)
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if isinstance(item, str) and item.strip():
                        texts.append((f"{model.__name__} {obj.pk} {field.name}", item))
    return texts


def found(text: str, pdf_text: str) -> bool:
    lines = [re.sub(r"^[-•]\s+", "", line.strip()) for line in text.splitlines()]
    return all(normalise(line) in pdf_text for line in lines if line.strip())


def pdftotext(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return normalise(done.stdout.decode())


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())


def demo_report(slug):
    plan = Plan.objects.select_related("organization").get(slug=slug)
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, DEMO[slug]))
    return plan, snapshot


def test_every_demo_report_prints_98_percent_of_the_stored_texts_and_every_budget_amount(demo):
    for slug in DEMO:
        plan, snapshot = demo_report(slug)
        text = pdftotext(render_pdf(snapshot))
        texts = stored_texts(plan)
        assert len(texts) > 50
        missing = [(where, value[:80]) for where, value in texts if not found(value, text)]
        assert len(missing) <= 0.02 * len(texts), (slug, missing)
        for line in BudgetLine.objects.filter(plan=plan):
            thousands = f"{int(line.amount / 1000):,}".replace(",", ".")
            assert line.amount % 1000 == 0 and thousands in text, line
        if slug == "nyborg-udviklingsplan":
            # Seed 003, table 2, as the plan's budget summary prints it, with its total.
            assert "Finansiering i alt 33.169 57.385 62.964 67.294 78.172" in text
            assert "Merudgifter i alt" in text


def test_each_demo_report_has_its_own_layout_and_no_column_that_is_empty_everywhere(demo):
    """A column is a header cell of the report's tables: it must be filled in some row of
    some table with that header (one table per initiative may leave a cell empty, as seed
    000 does, but never a whole column of the report)."""
    shapes = {"svendborg-masterplan": "activities", "ikast-brande-udviklingsplan": "sections",
              "nyborg-udviklingsplan": "sections", "svendborg-familie-2018": "table"}
    for slug, shape in shapes.items():
        _plan, snapshot = demo_report(slug)
        assert snapshot["shape"] == shape
        html = render_html(snapshot)
        columns: dict[tuple, set] = {}
        for table in re.findall(r"<table\b.*?</table>", html, re.S):
            header = tuple(re.sub(r"<[^>]+>|\s", "", cell) for cell in
                           re.findall(r"<th\b[^>]*>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", table, re.S).group(1), re.S))
            body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
            filled = columns.setdefault(header, set())
            for row in re.findall(r"<tr\b.*?</tr>", body, re.S):
                cells = re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.S)
                filled.update(i for i, cell in enumerate(cells) if re.sub(r"<[^>]+>|\s", "", cell))
        assert columns
        for header, filled in columns.items():
            assert filled == set(range(len(header))), (slug, header, filled)


# --- The edition's own year, navigation, failures ----------------------------------------

def test_a_later_edition_has_its_own_intro_data_date_and_draft_mark_on_every_page(plan, initiative):
    from django.utils import dateformat, timezone

    plan.intro = "Dette er første opfølgning på planen i 2024."
    plan.save()
    assert ReportEdition.unsaved_default(plan, 2024).intro == plan.intro  # the plan's first year
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    pdf = render_pdf(snapshot)
    text = pdftotext(pdf)
    assert "første opfølgning" not in text and "Dette er opfølgningen for 2025 på Testplan." in text
    assert f"Data pr. {dateformat.format(timezone.localdate(), 'j. F Y')}" in text
    pages = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = [page for page in pages.split("\f") if page.strip()]
    assert len(pages) >= 4 and all("Kladde" in page for page in pages)


def test_status_note_phase_and_the_change_since_the_last_final_edition_are_printed(plan, initiative, editor):
    from initiatives.models import Status

    edition = ReportEdition.unsaved_default(plan, 2024)
    edition.save()
    edition.finalise(build_snapshot(plan, edition, final=True), "x", editor)
    initiative.change_status(editor, Status.DELAYED, "implementation", note="Leverandøren er forsinket med systemet.")
    text = pdftotext(render_pdf(build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))))
    assert "Status: Forsinket/kritisk (før: Ikke vurderet)" in text
    assert "Fase: Implementering" in text and "Leverandøren er forsinket med systemet." in text
    assert "Ændringer i status er målt mod opfølgningen 2024" in text


def test_bookmarks_nest_initiatives_under_directions_and_the_pdf_opens_with_them(plan, initiative):
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    pdf = render_pdf(snapshot)
    streams = flate_streams(pdf)
    assert any(b"/PageMode /UseOutlines" in part for part in [pdf, *streams])
    html = render_html(snapshot)
    heading = re.search(r'<h2 id="retning-1-title"[^>]*>(.*?)</h2>', html, re.S).group(1)
    heading = re.sub(r'<span class="report-running"[^>]*></span>', "", heading)  # the running head's marker
    toc = re.search(r'<a href="#retning-1">(.*?)</a>', html).group(1)
    assert heading == toc == "Retning 1: Retning nummer 1 styrker borgerne."  # one text for both
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    assert "Retning 1: Retning nummer 1 styrker borgerne." in done.stdout.decode()
    from weasyprint import CSS, HTML

    from reporting.report.render import _stylesheet_paths

    document = HTML(string=html).render(stylesheets=[CSS(filename=path) for path in _stylesheet_paths()])
    tree = {label: [child[0] for child in children] for label, _target, children, _state in document.make_bookmark_tree()}
    assert tree["Retning 1: Retning nummer 1 styrker borgerne."] == ["1.1 Sagsbehandlingstider"]
    assert {"Indhold", "Indledning", "Statusoverblik"} <= set(tree)


def test_a_direction_continuing_on_a_new_page_repeats_its_heading_with_fortsat(plan, initiative):
    from initiatives.models import Activity

    for n in range(8):
        extra = Initiative.objects.create(direction=initiative.direction, number=f"1.{n + 2}", title=f"Ekstra {n}")
        Activity.objects.create(initiative=extra, year=2025, text="Noget sker i året. " * 60)
    pdf = render_pdf(build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025)))
    pages = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    continued = [page for page in pages.split("\f") if "Retning 1: Retning nummer 1 styrker borgerne. (fortsat)" in page]
    assert continued  # the direction ran over a page, and the next page says which one it is
    for page in continued:
        assert "Initiativ" in page  # with the table's header row repeated


def test_the_running_head_says_which_direction_and_effort_a_page_continues(demo):
    """Ikast-Brande's efforts run over pages in the sections layout: the page after says in
    its head which direction and which effort it continues; a page that opens with a
    direction's heading has no head above it, and after an effort has ended the head names
    its direction alone."""
    _plan, snapshot = demo_report("ikast-brande-udviklingsplan")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=render_pdf(snapshot),
                          capture_output=True, check=True).stdout.decode()
    heads, openings = [], []
    for page in text.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        head, _, rest = lines[0].partition("Kladde")  # the draft mark closes the head's line
        heads.append(" ".join(head.split()))
        openings.append(" ".join((rest.strip() or lines[1]).split()))
    first = next(n for n, opening in enumerate(openings) if opening.startswith("Spor 1:"))
    assert heads[:first + 1] == [""] * (first + 1)
    direction = None
    for head, opening in zip(heads[first:], openings[first:]):
        if re.match(r"Spor \d+: ", opening):
            direction = opening
            assert head == "", opening
        else:
            assert head.startswith(direction) and head.endswith("(fortsat)"), (head, opening)
    assert "Spor 2: Indsatser tæt på netværket · 2.1 Egne borgere i egne tilbud (fortsat)" in heads
    assert "Spor 3: Bæredygtig organisering (fortsat)" in heads  # an effort ended, the next begins


def test_the_chart_says_in_words_what_it_shows_with_the_plans_labels_and_numbers(plan, initiative):
    plan.direction_label, plan.direction_label_plural = "Spor", "Spor"
    plan.initiative_label, plan.initiative_label_plural = "Indsats", "Indsatser"
    plan.save()
    html = render_html(build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025)))
    assert '<title id="status-chart-title">Indsatser fordelt på spor og status</title>' in html
    assert "Spor 1: 1 (1 ikke vurderet); Spor 2: 0; Spor 3: 0." in html
    assert "retninger" not in html.lower()
    assert re.search(r'<th scope="row">Spor 1</th><td class="num">1</td><td class="num">1</td>', html)


def test_the_render_child_gets_only_the_environment_it_needs(monkeypatch):
    from reporting.report import pdf as pdf_module

    monkeypatch.setenv("OIDC_RP_CLIENT_SECRET", "hemmeligt")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "hemmeligt")
    context = pdf_module._fork_server()
    with context.Pool(1) as pool:
        environment = pool.apply(pdf_module.child_environment)
    assert "hemmeligt" not in environment.values()
    assert set(environment) <= set(pdf_module.CHILD_ENVIRONMENT) | {"COLUMNS", "LINES"}  # terminal size, set by Python


def test_a_lost_render_is_stale_after_its_own_time_cap(settings, plan):
    import datetime

    from django.utils import timezone

    from reporting.models import ReportRender

    settings.REPORT_RENDER_TIMEOUT = 30  # CPU seconds; the clock allows twice that, and a minute to queue
    render = ReportRender.objects.create(plan=plan, year=2025, content_hash="a", snapshot={},
                                         state=ReportRender.State.RUNNING)
    render.started_at = timezone.now() - datetime.timedelta(seconds=110)
    assert not render.is_stale()  # a niced render on a busy machine may still be at work
    render.started_at = timezone.now() - datetime.timedelta(seconds=130)
    assert render.is_stale()
    settings.REPORT_RENDER_TIMEOUT = 300
    assert not render.is_stale()


def test_the_cache_key_covers_every_template_stylesheet_and_font_and_weasyprints_version(
        plan, initiative, monkeypatch, tmp_path):
    from pathlib import Path

    import weasyprint
    from django.test.signals import template_rendered

    from reporting.report import render

    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    used = []

    def collect(sender, template, **kwargs):
        used.append(Path(template.origin.name))

    template_rendered.connect(collect)
    try:
        render_html(snapshot)
    finally:
        template_rendered.disconnect(collect)
    files = set(render.fingerprint_files())
    assert used and set(used) <= files  # every template the report is made from
    assert {Path(path) for path in render._stylesheet_paths()} <= files
    assert any(path.suffix in {".woff2", ".woff", ".ttf", ".otf"} for path in files)  # the embedded fonts

    original = render._stylesheet_paths
    changed = tmp_path / "report.css"
    changed.write_text(Path(original()[-1]).read_text() + "\nh2 { color: #000; }\n")
    try:
        render.renderer_fingerprint.cache_clear()
        key = content_hash(snapshot)
        monkeypatch.setattr(weasyprint, "__version__", "71.0")
        render.renderer_fingerprint.cache_clear()
        assert content_hash(snapshot) != key  # another WeasyPrint
        monkeypatch.undo()
        monkeypatch.setattr(render, "_stylesheet_paths", lambda: [*original()[:-1], str(changed)])
        render.renderer_fingerprint.cache_clear()
        assert content_hash(snapshot) != key  # another stylesheet
    finally:
        monkeypatch.undo()
        render.renderer_fingerprint.cache_clear()
    assert content_hash(snapshot) == key


def test_a_render_that_runs_out_of_memory_while_laying_out_gets_the_danish_memory_message(settings):
    """The cap is set just above what the render child holds when it starts, so parsing
    fits and the layout of a few hundred pages does not."""
    from reporting.report import pdf as pdf_module
    from reporting.report.render import _static_roots, _stylesheet_paths, limit_message

    with pdf_module._fork_server().Pool(1) as pool:
        start = pool.apply(pdf_module._peak_address_space)
    paragraph = "<p>" + "Opfølgningen beskriver hvert initiativ og dets aktiviteter i året. " * 12 + "</p>"
    html = '<html lang="da"><body>' + paragraph * 2500 + "</body></html>"
    roots = _static_roots()
    with pytest.raises(pdf_module.RenderLimitExceeded) as exceeded:
        pdf_module.html_to_pdf_capped(html, _stylesheet_paths(), roots, f"file://{roots[0]}/", timeout=120,
                                      memory_mb=start // 2**20 + 120)
    assert exceeded.value.kind == "memory"
    assert "krævede mere hukommelse end tilladt" in limit_message(exceeded.value.kind)


def test_a_lost_render_is_enqueued_again_and_old_renders_are_pruned_but_not_one_a_final_edition_waits_for(
        settings, plan, initiative, editor, run_on_commit):
    import datetime

    from django.utils import timezone

    from reporting.models import ReportRender
    from reporting.report.tasks import start_render

    settings.REPORT_RENDER_TIMEOUT = 30
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    lost = ReportRender.objects.create(plan=plan, year=2025, content_hash="lost", snapshot=snapshot,
                                       state=ReportRender.State.RUNNING)
    ReportRender.objects.filter(pk=lost.pk).update(started_at=timezone.now() - ReportRender.stale_after()
                                                   - datetime.timedelta(seconds=1))
    assert start_render(plan, 2025, snapshot, "lost").state == ReportRender.State.DONE  # rendered again

    final = ReportEdition.unsaved_default(plan, 2025)
    final.save()
    final.finalise(snapshot, "waited-for", editor)
    for digest in ("waited-for", "older"):
        ReportRender.objects.create(plan=plan, year=2025, content_hash=digest, snapshot=snapshot,
                                    state=ReportRender.State.DONE, pdf=b"%PDF")
    other_year = ReportRender.objects.create(plan=plan, year=2024, content_hash="2024", snapshot=snapshot,
                                             state=ReportRender.State.DONE, pdf=b"%PDF")
    start_render(plan, 2025, snapshot, "new")
    assert set(ReportRender.objects.values_list("content_hash", flat=True)) == {"new", "waited-for", "2024"}
    assert ReportRender.objects.filter(pk=other_year.pk).exists()
