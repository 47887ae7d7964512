"""The annual follow-up report: preview, PDF in the background, editions, safety."""

import datetime
import io
import os
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Activity, CrossLink, Initiative, Status
from masterplan.models import Plan
from reporting.report import pdf as pdf_module
from reporting.models import ReportEdition, ReportRender
from reporting.report.content import build_snapshot, content_hash, render_pdf, report_years


pytestmark = pytest.mark.django_db


def preview_url(plan, year=2025):
    return reverse("report_preview", args=[plan.slug, year])


def pdf_url(plan, year=2025):
    return reverse("report_pdf", args=[plan.slug, year])


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


# --- Preview ---------------------------------------------------------------------------

def test_reader_sees_the_preview_with_labels_status_activities_and_cross_links(client, reader, initiative, plan):
    initiative.status = Status.AT_RISK
    initiative.save()
    client.force_login(reader)
    response = client.get(preview_url(plan))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Retning 1: Retning nummer 1 styrker borgerne." in page
    assert "1. halvår" in page and "Analyse af arbejdsgange." in page
    assert "2: Retning nummer 2 styrker borgerne." in page
    assert "Status: I gang – risiko" in page
    assert "Andre retninger i planen, som også understøttes" in page
    assert "I risiko eller forsinket" in page
    assert '<svg class="status-chart"' in page
    assert "Gør endelig" not in page  # readers download, editors finalise


def test_outsider_and_out_of_period_year_get_404(client, outsider, reader, plan):
    client.force_login(outsider)
    assert client.get(preview_url(plan)).status_code == 404
    assert client.get(pdf_url(plan)).status_code == 404
    client.force_login(reader)
    assert client.get(preview_url(plan, 2031)).status_code == 404


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get(preview_url(plan))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preview_query_count_is_constant_as_the_plan_grows(client, reader, plan, directions, initiative):
    client.force_login(reader)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(preview_url(plan)).status_code == 200
        return len(queries)

    small = count()
    for n in range(2, 8):
        extra = Initiative.objects.create(direction=directions[n % 3], number=f"9.{n}", title=f"Ekstra {n}")
        Activity.objects.create(initiative=extra, year=2025, period="h2", text="Noget sker.")
        Activity.objects.create(initiative=extra, year=2026, text="Mere sker.")
        CrossLink.objects.create(initiative=extra, direction=directions[(n + 1) % 3])
    assert count() == small


def test_year_columns_follow_the_activities():
    plan = Plan(period_start=2024, period_end=2027)
    assert report_years(plan, 2024, {2024, 2025, 2026}) == [2024, 2025, 2026]
    assert report_years(plan, 2025, {2024, 2025, 2026}) == [2024, 2025, 2026]
    assert report_years(plan, 2026, {2024, 2027}) == [2027]  # a year without activities is no column
    assert report_years(plan, 2024, set()) == []


# --- PDF in the background -------------------------------------------------------------

def test_pdf_is_rendered_in_the_background_and_an_unchanged_draft_is_served_from_cache(
        client, reader, plan, initiative, run_on_commit):
    client.force_login(reader)
    first = client.get(pdf_url(plan))
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    assert ReportRender.objects.count() == 1
    second = client.get(pdf_url(plan))
    assert second.content == first.content
    assert ReportRender.objects.count() == 1  # same content hash: served from cache

    initiative.title = "Nye sagsbehandlingstider"
    initiative.save()
    changed = client.get(pdf_url(plan))
    assert changed.content != first.content  # the draft changed: rendered again
    assert ReportRender.objects.count() == 1  # and the render of the old content is pruned


def test_preview_is_gathered_once_per_change_of_the_plan(client, reader, editor, plan, initiative):
    """The report of a large plan takes a second to gather: it is kept until the plan changes."""
    client.force_login(reader)

    def view():
        with CaptureQueriesContext(connection) as ctx:
            content = client.get(preview_url(plan)).content.decode()
        start = content.index('<section class="report-preview"')  # the report, without tokens and nonces
        return content[start:content.index("</main>", start)], len(ctx.captured_queries)

    first, gathered = view()
    again, cached = view()
    assert again == first and cached < gathered
    assert "Sagsbehandlingstider" in first
    client.force_login(editor)
    response = client.post(reverse("initiative_edit", args=[initiative.pk]), {
        "title": "Nye sagsbehandlingstider", "kind": "initiativ", "goal": initiative.goal,
        "version": initiative.version})
    assert response.status_code in (200, 302)
    client.force_login(reader)
    changed, queries = view()
    assert "Nye sagsbehandlingstider" in changed and queries == gathered  # audited: shown at once


def test_pending_render_shows_progress_and_polls(client, reader, plan, initiative):
    # Without running on_commit callbacks the task stays queued, as with a busy worker.
    client.force_login(reader)
    response = client.get(pdf_url(plan))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "PDF&#x27;en dannes" in page or "PDF'en dannes" in page
    assert 'hx-trigger="load delay:2s"' in page
    fragment = client.get(preview_url(plan), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="pdf-status"' in fragment and "<html" not in fragment


def test_a_render_over_its_time_cap_gets_a_clear_danish_error(client, reader, plan, initiative, settings,
                                                               run_on_commit):
    settings.REPORT_RENDER_ISOLATED = True
    settings.REPORT_RENDER_TIMEOUT = 0.001
    client.force_login(reader)
    response = client.get(pdf_url(plan), follow=True)
    page = response.content.decode()
    assert "kunne ikke dannes inden for tidsgrænsen" in page
    assert "Prøv igen" in page
    assert ReportRender.objects.get().state == ReportRender.State.FAILED


def test_the_render_child_runs_at_a_lower_cpu_priority_one_at_a_time(plan, initiative, settings):
    """A long report must not starve the web server on the same machine: the child lowers its
    priority (os.nice), and a second render in the same process waits for the first."""
    import threading

    from reporting.report import pdf

    settings.REPORT_RENDER_ISOLATED = True
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    assert render_pdf(snapshot).startswith(b"%PDF")
    assert pdf.last_render["niceness"] >= os.nice(0) + pdf.CHILD_NICENESS

    done = []
    with pdf.html_to_pdf_capped.lock:  # as if another render were running
        waiting = threading.Thread(target=lambda: done.append(render_pdf(snapshot)))
        waiting.start()
        waiting.join(1.5)
        assert waiting.is_alive() and not done
    waiting.join(60)
    assert done and done[0].startswith(b"%PDF")


def test_a_render_over_its_memory_cap_gets_a_clear_danish_error(client, reader, plan, initiative, settings,
                                                                 run_on_commit):
    settings.REPORT_RENDER_ISOLATED = True
    settings.REPORT_RENDER_MEMORY_MB = 40
    client.force_login(reader)
    page = client.get(pdf_url(plan), follow=True).content.decode()
    assert "krævede mere hukommelse end tilladt" in page


def test_a_row_taller_than_a_page_breaks_without_losing_text(plan, initiative):
    sentences = [f"Delmål nummer {n} er beskrevet i sin egen sætning." for n in range(120)]
    Activity.objects.create(initiative=initiative, year=2025, text="\n\n".join(sentences))
    edition = ReportEdition.unsaved_default(plan, 2025)
    text = pdf_text(render_pdf(build_snapshot(plan, edition)))
    assert all(sentence in text for sentence in sentences)
    assert "Side 6 af" in text  # the row ran over several pages


def test_the_municipality_logo_is_inlined_on_the_cover(plan, org, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a2a1ad3c0000000049454e44ae426082")
    org.logo.save("logo.png", ContentFile(png))
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    assert snapshot["organization"]["logo"].startswith("data:image/png;base64,")
    assert render_pdf(snapshot).startswith(b"%PDF")


# --- Safety ----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.png", "https://example.com/x.css", "file:///etc/passwd"])
def test_url_fetcher_refuses_everything_but_static_files(settings, url):
    fetcher = pdf_module.static_fetcher(settings.STATICFILES_DIRS)
    with pytest.raises(ValueError):
        fetcher(url)
    static_css = (settings.STATICFILES_DIRS[0] / "css" / "report.css").as_uri()
    assert fetcher(static_css).read()
    assert fetcher("data:text/plain,ok").read() == b"ok"


def test_urls_in_user_text_are_never_fetched(plan, initiative, monkeypatch):
    hostile = ('<img src="http://127.0.0.1:9/a.png"> <link rel="stylesheet" href="https://example.com/x.css"> '
               '<img src="file:///etc/passwd"> <style>@import url("file:///etc/passwd");</style>')
    initiative.description = hostile
    initiative.goal = hostile
    initiative.save()
    plan.intro = hostile
    plan.save()
    fetched = []
    real = pdf_module.static_fetcher

    def spying_fetcher(roots):
        fetcher = real(roots)
        original = fetcher.fetch

        def fetch(url, headers=None):
            fetched.append(url)
            return original(url, headers)

        fetcher.fetch = fetch
        return fetcher

    monkeypatch.setattr(pdf_module, "static_fetcher", spying_fetcher)
    edition = ReportEdition.unsaved_default(plan, 2025)
    data = render_pdf(build_snapshot(plan, edition), capped=False)
    assert data.startswith(b"%PDF")
    assert fetched, "fonts are fetched through the fetcher"
    assert all(url.startswith("file://") and "/static/" in url for url in fetched)
    assert not any("passwd" in url or url.startswith("http") for url in fetched)


def test_fetcher_refuses_file_and_http_urls_even_in_raw_html(settings):
    """Belt and braces: even unescaped markup cannot make the renderer read outside static/."""
    roots = [str(path) for path in settings.STATICFILES_DIRS]
    html = ('<html lang="da"><body><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/a.png">'
            '<p>Hej</p></body></html>')
    assert pdf_module.html_to_pdf(html, [], roots, f"file://{roots[0]}/").startswith(b"%PDF")


# --- Editions --------------------------------------------------------------------------

def test_final_edition_pdf_never_changes_and_regenerates_from_its_snapshot(
        client, editor, plan, initiative, run_on_commit):
    client.force_login(editor)
    response = client.post(reverse("report_edition_save", args=[plan.slug, 2025]), {
        "title": "Opfølgning til udvalget", "intro": "Kære udvalg.", "committee": "Socialudvalget",
        "meeting_date": "2025-03-12",
    })
    assert response.status_code == 302
    response = client.post(reverse("report_edition_finalise", args=[plan.slug, 2025]), follow=True)
    assert "Opfølgningen er gjort endelig" in response.content.decode()
    edition = ReportEdition.objects.get()
    assert edition.is_final and edition.pdf
    stored = bytes(edition.pdf)
    text = pdf_text(stored)
    assert "Sagsbehandlingstider" in text and "Socialudvalget" in text and "12. marts 2025" in text

    initiative.title = "Et helt andet navn"
    initiative.save()
    Activity.objects.create(initiative=initiative, year=2025, text="Ny aktivitet efter udvalgsmødet.")

    downloaded = client.get(pdf_url(plan))
    assert downloaded.content == stored
    preview = client.get(preview_url(plan)).content.decode()
    assert "Sagsbehandlingstider" in preview and "Et helt andet navn" not in preview

    regenerated = render_pdf(edition.snapshot, capped=False)
    assert pdf_text(regenerated) == text


def test_final_edition_cannot_be_edited_only_superseded(client, editor, plan, initiative, run_on_commit):
    client.force_login(editor)
    client.post(reverse("report_edition_finalise", args=[plan.slug, 2025]))
    final = ReportEdition.objects.get()
    response = client.post(reverse("report_edition_save", args=[plan.slug, 2025]),
                           {"title": "Ændret"}, follow=True)
    assert "En endelig opfølgning kan ikke ændres" in response.content.decode()
    final.refresh_from_db()
    assert final.title != "Ændret"
    with pytest.raises(ValidationError, match="En endelig opfølgning kan ikke ændres"):
        final.title = "Ændret"
        final.save()

    client.post(reverse("report_edition_new", args=[plan.slug, 2025]))
    draft = ReportEdition.objects.current(plan, 2025)
    assert draft.pk != final.pk and not draft.is_final
    old = client.get(reverse("report_edition_pdf", args=[plan.slug, 2025, final.pk]))
    assert old.status_code == 200 and old.content == bytes(ReportEdition.objects.get(pk=final.pk).pdf)


def test_readers_and_outsiders_cannot_change_editions(client, reader, outsider, plan, initiative):
    for user, refused in ((reader, 403), (outsider, 404)):
        client.force_login(user)
        assert client.post(reverse("report_edition_finalise", args=[plan.slug, 2025])).status_code == refused
        assert client.post(reverse("report_edition_save", args=[plan.slug, 2025]), {"title": "x"}).status_code == refused
    assert not ReportEdition.objects.exists()


def test_invalid_edition_form_gets_a_danish_message(client, editor, plan, initiative):
    client.force_login(editor)
    response = client.post(reverse("report_edition_save", args=[plan.slug, 2025]),
                           {"title": "", "meeting_date": "ikke en dato"})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("Dette felt er påkrævet.") == 1  # the title
    assert "Datoen kunne ikke læses. Skriv den som dd-mm-åååå" in page  # the meeting date
    assert 'value="ikke en dato"' in page  # the input is kept
    assert not ReportEdition.objects.exists()


# --- Command and the demo --------------------------------------------------------------

def test_build_report_renders_the_svendborg_demo_with_every_seed_sentence(tmp_path):
    from tests.masterplan.test_load_demo import SEED_000, seed_table_sentences

    call_command("load_demo", stdout=io.StringIO())
    out = tmp_path / "svendborg.pdf"
    call_command("build_report", "svendborg-masterplan", "2024", "--out", str(out), stdout=io.StringIO())
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "(A4)" in info and "841.89 x 595.276" in info
    assert "Title:           Masterplan for det sociale område – Opfølgning 2024" in info
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all("IBM-Plex-Sans" in row and " yes yes yes " in row for row in rows)
    text = pdf_text(out.read_bytes())
    for expected in ("Svendborg Kommune", "Masterplan for det sociale område", "Opfølgning 2024",
                     "Senior-, Social- og Sundhedsudvalget", "Indhold", "Statusoverblik", "Side 3 af",
                     "Retning 9:", "1. halvår"):
        assert expected in text
    missing = [s for s in seed_table_sentences(SEED_000.read_text(encoding="utf-8")) if s not in text]
    assert missing == []


def test_build_report_refuses_an_unknown_plan(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="findes ikke"):
        call_command("build_report", "ukendt", "2024", "--out", str(tmp_path / "x.pdf"))


def test_second_save_of_a_stale_edition_form_is_refused_and_both_kept(client, editor, org_admin, plan, initiative):
    from django.test import Client

    url = reverse("report_edition_save", args=[plan.slug, 2025])
    client.force_login(editor)
    assert client.post(url, {"title": "Første udgave", "committee": "Udvalget"}).status_code == 302
    edition = ReportEdition.objects.get(plan=plan, year=2025)
    assert edition.version == 1
    alice, bob = Client(), Client()
    alice.force_login(editor)
    bob.force_login(org_admin)
    assert alice.post(url, {"title": "Alices titel", "committee": "Udvalget", "version": 1}).status_code == 302
    response = bob.post(url, {"title": "Bobs titel", "committee": "Udvalget", "version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "en anden har gemt opfølgningen" in page
    assert 'value="Bobs titel"' in page and 'name="version" value="2"' in page
    edition.refresh_from_db()
    assert (edition.title, edition.version) == ("Alices titel", 2)


def test_saving_a_form_opened_before_the_edition_was_finalised_is_refused_not_a_500(
        client, editor, plan, initiative):
    url = reverse("report_edition_save", args=[plan.slug, 2025])
    client.force_login(editor)
    client.post(url, {"title": "Kladde", "committee": "Udvalget"})
    client.post(reverse("report_edition_finalise", args=[plan.slug, 2025]))
    response = client.post(url, {"title": "For sent", "committee": "Udvalget", "version": 1}, follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert "En endelig opfølgning kan ikke ændres" in response.content.decode()
    assert ReportEdition.objects.get(plan=plan, year=2025, state="final").title == "Kladde"


@pytest.mark.parametrize("minutes_past_stale, requeued", [(-1, False), (1, True)])
def test_a_lost_render_job_is_queued_again(client, reader, plan, initiative, run_on_commit, minutes_past_stale, requeued):
    """A job a worker claimed and then died with stays "running"; once it is older than
    stale_after() (the render timeout and a minute), the next request for the PDF queues it
    again (and here renders it)."""
    started_ago = ReportRender.stale_after() + datetime.timedelta(minutes=minutes_past_stale)
    snapshot = build_snapshot(plan, ReportEdition.unsaved_default(plan, 2025))
    lost = ReportRender.objects.create(plan=plan, year=2025, content_hash=content_hash(snapshot), snapshot=snapshot,
                                       state=ReportRender.State.RUNNING, started_at=timezone.now() - started_ago)
    client.force_login(reader)
    response = client.get(pdf_url(plan))
    lost.refresh_from_db()
    if requeued:
        assert lost.is_done and response.status_code == 200 and response.content.startswith(b"%PDF")
    else:
        assert lost.state == ReportRender.State.RUNNING and response.status_code == 302
