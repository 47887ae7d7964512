"""A long report is laid out in chunks (reporting/report/chunked.py), so its memory is one
chunk's: the PDF must be the one a reader would get from laying it out in one go."""

import io
import re
import subprocess

import pytest
import tinyhtml5
from django.core.management import call_command

from masterplan.models import Plan
from reporting.models import ReportEdition
from reporting.report import chunked
from reporting.report import pdf as pdf_module
from reporting.report.content import build_snapshot, render_html
from reporting.report.render import _static_roots, _stylesheet_paths
from tests.reporting.pdf_streams import flate_streams

pytestmark = pytest.mark.django_db


def run(command: list[str], data: bytes) -> str:
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()


def pages(pdf: bytes) -> list[str]:
    return run(["pdftotext", "-layout", "-", "-"], pdf).split("\f")[:-1]


def outline(pdf: bytes) -> list[str]:
    """The bookmarks as poppler reads them: (page, title) lines, nesting kept."""
    xml = run(["pdftohtml", "-q", "-i", "-xml", "-stdout", "-", "-"], pdf)
    return re.findall(r'<item page="\d+">[^<]*</item>|</?outline>', xml[xml.find("<outline>"):])


def structure(pdf: bytes) -> str:
    """The tagged PDF's structure tree, without object numbers."""
    tree = run(["pdfinfo", "-struct", "-"], pdf)
    return re.sub(r"Object \d+ \d+|<\d+-|\(\d+-", "#", tree)


def svendborg_html() -> str:
    call_command("load_demo", stdout=io.StringIO())
    plan = Plan.objects.select_related("organization").get(slug="svendborg-masterplan")
    return render_html(build_snapshot(plan, ReportEdition.unsaved_default(plan, 2024)))


def to_pdf(html: str, chunk_elements: int) -> bytes:
    roots = _static_roots()
    return pdf_module.html_to_pdf(html, _stylesheet_paths(), roots, f"file://{roots[0]}/",
                                  chunk_elements=chunk_elements)


def largest_direction(html: str) -> int:
    root = tinyhtml5.parse(html, namespace_html_elements=False)
    return max(sum(1 for _ in section.iter()) for section in root.iter("section")
               if "report-direction" in (section.get("class") or "").split())


def test_a_report_laid_out_in_chunks_is_the_pdf_of_laying_it_out_in_one_go():
    html = svendborg_html()
    budget = largest_direction(html)  # a chunk per direction or two, none split
    planned = chunked.plan_chunks(tinyhtml5.parse(html, namespace_html_elements=False), budget)
    assert planned is not None and len(planned[2]) >= 5
    whole, chunks = to_pdf(html, 10**9), to_pdf(html, budget)
    assert pages(chunks) == pages(whole)  # every page's text: contents' page numbers, "Side X af Y", headings
    assert outline(chunks) == outline(whole)  # nested bookmarks on the same pages
    assert structure(chunks) == structure(whole)  # one structure tree, in reading order
    info = run(["pdfinfo", "-"], chunks)
    assert "Tagged:          yes" in info and "Masterplan for det sociale område – Opfølgning 2024" in info
    streams = flate_streams(chunks)
    assert any(b"/PageMode /UseOutlines" in part for part in streams)  # opens with the bookmarks shown


def test_a_direction_longer_than_a_chunk_goes_on_with_its_heading_and_nothing_is_lost(monkeypatch):
    monkeypatch.setattr(chunked, "OVERLAY_PAGES", 7)  # the page furniture in slices too
    html = svendborg_html()
    whole, chunks = to_pdf(html, 10**9), to_pdf(html, 150)
    split = pages(chunks)
    total = len(split)
    assert total > len(pages(whole))  # each piece of a split direction starts a page
    for number, page in enumerate(split[1:], start=2):
        assert re.search(rf"Side {number} af {total}\s*$", page.strip()), page[-200:]
    continued = [page for page in split if re.search(r"^\s*(Kladde\s*)?Retning \d+: .*\(fortsat\)", page)]
    assert continued
    words = lambda pdf: sorted(re.findall(r"\w+", run(["pdftotext", "-", "-"], pdf)))  # noqa: E731
    extra = set(words(chunks)) - set(words(whole))
    assert extra <= {"fortsat"} | {str(n) for n in range(total + 1)}
    assert not set(words(whole)) - set(words(chunks))
    # The contents point at the pages the directions start on, and so do the bookmarks.
    contents = split[1]
    for match in re.finditer(r"(Retning \d+):.*?\.{3,}\s*(\d+)", contents, re.S):
        heading, page = match.group(1), int(match.group(2))
        assert re.search(rf"^\s*{heading}:", split[page - 1].split("Kladde", 1)[-1]), (heading, page)
    marks = outline(chunks)
    assert [m for m in marks if "(fortsat)" in m] == []
    assert len([m for m in marks if m.startswith("<item")]) == len([m for m in outline(whole) if m.startswith("<item")])
