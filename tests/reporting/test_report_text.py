"""Pathological texts cost the report bounded work (issue 11, item 4).

The bound is asserted through what reaches the renderer, not by timing: no run of
characters without a break opportunity longer than MAX_WORD, and a very long text
laid out in full once, with only a clipped line wherever it is repeated.
"""

import re
import subprocess

import pytest
from django.urls import reverse

from initiatives.models import CrossLink, Initiative
from reporting.models import ReportEdition
from reporting.report.content import build_snapshot, render_html, render_pdf
from reporting.templatetags.report_tags import MAX_LINE, MAX_WORD, report_line, report_text

pytestmark = pytest.mark.django_db

LONG_WORD = "Sagsbehandlings" * 667  # 10,005 characters without a space
STATEMENT = " ".join(f"Sætning{n} om borgerne." for n in range(2500))  # ~60,000 characters


def longest_unbreakable_run(html: str) -> int:
    """The longest run of text the renderer cannot break, in an HTML fragment."""
    text = re.sub(r"<wbr>", " ", html)
    text = re.sub(r"<span class=\"nowrap\">(.*?)</span>", lambda m: m.group(1).replace(" ", "x"), text)
    text = re.sub(r"<[^>]+>", "", text)
    return max((len(run) for run in text.split()), default=0)


def test_a_10000_character_word_gets_a_break_opportunity_every_max_word_characters():
    for html in (report_text(LONG_WORD), report_line(LONG_WORD), report_text(f"recovery-{LONG_WORD}")):
        assert longest_unbreakable_run(html) <= MAX_WORD
        assert re.sub(r"<[^>]+>", "", html).strip().endswith(LONG_WORD[-20:])
    assert report_text("Et recovery-orienteret forløb og Social- og Sundhedsudvalget.") == (
        '<p>Et <span class="nowrap">recovery-orienteret</span> forløb og <span class="nowrap">Social- og</span> Sundhedsudvalget.</p>')


def test_escaped_entities_are_never_cut_by_a_break():
    html = report_line("&<>" * 5000)
    assert html.count("&amp;") == 5000 and html.count("&lt;") == 5000 and "&am<wbr>" not in html


def test_output_of_the_text_helpers_grows_linearly():
    small, large = "a-b " * 5000, "a-b " * 20000
    ratio = len(report_text(large)) / len(report_text(small))
    assert 3.9 < ratio < 4.1


@pytest.fixture
def pathological_plan(plan, directions, initiative):
    directions[1].statement = STATEMENT
    directions[1].save()
    initiative.description = LONG_WORD
    initiative.save()
    for n in range(2, 12):  # ten more initiatives that all refer to the long statement
        other = Initiative.objects.create(direction=directions[0], number=f"1.{n}", title=f"Ekstra {n}")
        CrossLink.objects.create(initiative=other, direction=directions[1])
    return plan


def test_a_60000_character_statement_is_laid_out_once_however_often_it_is_referred_to(pathological_plan):
    snapshot = build_snapshot(pathological_plan, ReportEdition.unsaved_default(pathological_plan, 2025))
    html = render_html(snapshot)
    body = html.split("<body", 1)[1]
    assert body.count("Sætning2499 om borgerne.") == 1  # the full statement, once
    assert len(body) < 3 * len(STATEMENT)  # not eleven copies in the "also supports" column
    for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", body, re.S):
        assert len(re.sub(r"<[^>]+>", "", heading)) <= MAX_LINE + 40
    assert longest_unbreakable_run(body) <= MAX_WORD


def test_the_preview_of_pathological_texts_answers_and_keeps_every_word(client, reader, pathological_plan):
    client.force_login(reader)
    response = client.get(reverse("report_preview", args=[pathological_plan.slug, 2025]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sætning2499 om borgerne." in page
    assert longest_unbreakable_run(page.split('<div class="report ', 1)[1]) <= MAX_WORD


def test_the_pdf_of_pathological_texts_prints_them_in_bounded_pages(pathological_plan):
    pdf = render_pdf(build_snapshot(pathological_plan, ReportEdition.unsaved_default(pathological_plan, 2025)))
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= 35  # ~60,000 + 10,000 characters once each, not once per reference
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Sætning2499 om borgerne." in " ".join(text.split())
