"""A long report laid out in chunks, each its own WeasyPrint document, written as one PDF.

WeasyPrint keeps every laid-out page of a document (its boxes, shaped text and
styles, about 1 MB a page) until the whole PDF is written, so a 1,000-page report
needs over a gigabyte. Here the report is cut where it breaks the page anyway
(after the contents, the summary and the budget, between directions), each piece
is laid out alone, drawn and tagged into one shared PDF, and then let go: the
memory held is one chunk's, plus the PDF's finished objects, which are serialised
(and their streams compressed) as soon as their page is done.

What crosses chunks is put together here: the page numbers of the contents and
the "Side X af Y" footer (drawn last over every page, as an artifact, from a
document of empty pages with the report's own @page rules, once the number of
pages is known), the nested bookmarks, the named destinations of the contents'
links, and the one structure tree of the tagged PDF (PDF/UA).

A direction larger than one chunk is split between its initiatives; the next
chunk starts on a new page with the direction's heading and "(fortsat)". That is
the only way the chunked layout differs from laying out the report in one go.

Only WeasyPrint 70's API and a few of its PDF helpers are used (pinned in
pyproject.toml); tests compare the chunked PDF with the one-document PDF.
"""

import gc
import io
from xml.etree.ElementTree import Element, SubElement

import cssselect2
import pydyf
from tinycss2.color5 import D50, D65
from weasyprint import CSS, HTML, VERSION
from weasyprint.anchors import make_page_bookmark_tree
from weasyprint.html import get_html_metadata
from weasyprint.matrix import Matrix
from weasyprint.pdf import _use_references
from weasyprint.pdf.anchors import add_links, add_outlines
from weasyprint.pdf.fonts import build_fonts_dictionary
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.pdf.stream import Stream
from weasyprint.pdf.tags import _build_box_tree

# The page furniture the overlay draws (the chunks leave it out), and a continued
# direction's repeated heading, which is no bookmark.
CHUNK_CSS = """
@page { @top-right { content: none } @bottom-left { content: none } @bottom-right { content: none } }
.report-direction-title.report-continued { bookmark-level: none; }
"""
OVERLAY_CSS = """
.report-overlay-page {
  break-after: page; string-set: draft attr(data-draft), plantitle attr(data-title), pagenumber attr(data-number);
}
.report-overlay-page:last-child { break-after: auto; }
@page { @top-left { content: none } @bottom-right { content: string(pagenumber) } }
@page :first { @bottom-left { content: string(plantitle) } @bottom-right { content: string(pagenumber) } }
"""
OVERLAY_PAGES = 200  # pages of furniture laid out at a time
# Classes of the report's top-level parts (templates/reporting/report/body.html).
FRONT = ("report-cover", "report-toc")
DIRECTION = "report-direction"
# Parts of a direction printed before its initiatives.
DIRECTION_HEAD = ("report-direction-title", "report-direction-statement", "report-direction-texts")
SCALE = 0.75  # 72 PDF points per inch / 96 CSS pixels per inch


def _classes(element) -> set:
    return set((element.get("class") or "").split())


def _weight(element) -> int:
    return sum(1 for _ in element.iter())


class _TreeHTML(HTML):
    """A WeasyPrint HTML document made from an already parsed tree (a chunk of the report)."""

    def __init__(self, root, base_url, url_fetcher):  # not super().__init__(): it would parse a string
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element


def plan_chunks(root, budget: int):
    """(the report's wrapper, its cover and contents, its chunks) of the parsed report,
    or None when it has at most `budget` elements (it is laid out in one go).

    A chunk is a list of the report's parts (elements), at most about `budget` elements
    in all; a chunk boundary is always where the report breaks the page anyway, except
    inside a direction larger than `budget` (see `_split_direction`).
    """
    body = root.find("body")
    report = next((child for child in (body if body is not None else []) if "report" in _classes(child)), None)
    if report is None or _weight(report) <= budget:
        return None
    parts = list(report)
    front = [part for part in parts if _classes(part) & set(FRONT)]
    rest = [part for part in parts if part not in front]
    # The plan's description follows the introduction on its page: one unit.
    units: list[list] = []
    for part in rest:
        if units and "report-about" in _classes(part):
            units[-1].append(part)
        else:
            units.append([part])
    chunks: list[list] = []
    current, weight = [], 0
    for unit in units:
        unit_weight = sum(_weight(part) for part in unit)
        if len(unit) == 1 and DIRECTION in _classes(unit[0]) and unit_weight > budget:
            pieces = _split_direction(unit[0], budget)
            for piece in pieces:  # each piece starts a page of its own
                if current:
                    chunks.append(current)
                current, weight = [piece], _weight(piece)
            continue
        if current and weight + unit_weight > budget:
            chunks.append(current)
            current, weight = [], 0
        current.extend(unit)
        weight += unit_weight
    if current:
        chunks.append(current)
    return report, front, chunks


def _split_direction(section, budget: int) -> list:
    """A direction's section as several, each at most about `budget` elements, cut between
    initiatives (one table per initiative, an article per initiative, or the rows of its
    one table); every piece after the first starts with the heading and "(fortsat)"."""
    head = [child for child in section if _classes(child) & set(DIRECTION_HEAD)]
    items = []
    for child in section:
        if child in head:
            continue
        if child.tag == "table" and "report-activity-table" in _classes(child):
            tbody = child.find("tbody")
            rows = list(tbody) if tbody is not None else []
            items.extend(("row", child, row) for row in rows)
        else:
            items.append(("part", child, child))
    heading = next((child for child in head if "report-direction-title" in _classes(child)), None)
    groups, current, weight = [], [], sum(_weight(part) for part in head)
    for item in items:
        item_weight = _weight(item[2])
        if current and weight + item_weight > budget:
            groups.append(current)
            current, weight = [], 0
        current.append(item)
        weight += item_weight
    if current or not groups:
        groups.append(current)
    pieces = []
    for index, group in enumerate(groups):
        if index == 0:
            piece = Element(section.tag, dict(section.attrib))
            piece.extend(head)
        else:
            piece = Element(section.tag, {"class": section.get("class", "")})
            if heading is not None:
                running = heading.get("data-running") or "".join(heading.itertext())
                continued = Element(heading.tag, {"class": f"{heading.get('class', '')} report-continued",
                                                  "data-running": running})
                continued.text = running
                SubElement(continued, "span", {"class": "report-running", "data-running": running})
                piece.append(continued)
        table = None
        for kind, parent, element in group:
            if kind == "part":
                piece.append(element)
                table = None
                continue
            if table is None or table[0] is not parent:
                copy = Element(parent.tag, dict(parent.attrib))
                copy.extend(child for child in parent if child.tag != "tbody")
                tbody = Element("tbody", dict(parent.find("tbody").attrib))
                copy.append(tbody)
                piece.append(copy)
                table = (parent, tbody)
            table[1].append(element)
        pieces.append(piece)
    return pieces


def _chunk_tree(root, report, parts):
    """A document of the report's `parts`, with the report's head, body and wrapper."""
    html = Element(root.tag, dict(root.attrib))
    html.extend(child for child in root if child.tag != "body")
    body = Element("body", dict(root.find("body").attrib))
    wrapper = Element(report.tag, dict(report.attrib))
    wrapper.extend(parts)
    body.append(wrapper)
    html.append(body)
    return html


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


class _Frozen(pydyf.Object):
    """A finished PDF object kept as its bytes (a stream's compressed), not as Python objects."""

    def __init__(self, obj):
        super().__init__()
        self.number, self.generation = obj.number, obj.generation
        self._data, self._compressible = obj.data, obj.compressible

    @property
    def data(self):
        return self._data

    @property
    def compressible(self):
        return self._compressible


class _Objects:
    """The PDF as WeasyPrint's tagging and outline helpers use it, with the page references
    they look up given once (pydyf's `page_references` builds them all on every lookup,
    which made tagging a long document quadratic in its pages)."""

    def __init__(self, pdf, page_references: tuple):
        self.add_object, self.catalog, self.page_references = pdf.add_object, pdf.catalog, page_references


class _Page:
    """What is kept of a drawn page: its PDF dictionary, bookmarks and structure elements."""

    __slots__ = ("pdf_page", "height", "bookmarks", "elements", "contents")

    def __init__(self, pdf_page, height, bookmarks, elements, contents):
        self.pdf_page, self.height, self.bookmarks = pdf_page, height, bookmarks
        self.elements, self.contents = elements, contents


class _Writer:
    """One tagged PDF, drawn page by page from several WeasyPrint documents
    (the parts of weasyprint.pdf.generate_pdf and add_tags the report uses: no forms,
    attachments, bleed or colour profiles)."""

    def __init__(self):
        pdf = self.pdf = pydyf.PDF()
        self.fonts, self.images, self.names = {}, {}, []
        self.anchors: set = set()
        color_space = pydyf.Dictionary({
            name: pydyf.Array(("/Lab", pydyf.Dictionary({"WhitePoint": pydyf.Array(white),
                                                         "Range": pydyf.Array((-125, 125, -125, 125))})))
            for name, white in (("lab-d50", D50), ("lab-d65", D65))})
        pdf.add_object(color_space)
        self.resources = pydyf.Dictionary({
            "ExtGState": pydyf.Dictionary(), "XObject": pydyf.Dictionary(), "Pattern": pydyf.Dictionary(),
            "Shading": pydyf.Dictionary(), "ColorSpace": color_space.reference,
        })
        pdf.add_object(self.resources)
        self.parent_tree = pydyf.Dictionary({})
        pdf.add_object(self.parent_tree)
        self.structure_root = pydyf.Dictionary({"Type": "/StructTreeRoot", "ParentTree": self.parent_tree.reference})
        pdf.add_object(self.structure_root)
        self.structure_document = pydyf.Dictionary({
            "Type": "/StructElem", "S": "/Document", "K": pydyf.Array(), "P": self.structure_root.reference})
        pdf.add_object(self.structure_document)
        self.nums: list = []  # (StructParent key, value) in increasing key order
        self.front: list[_Page] = []
        self.body: list[_Page] = []

    def draw(self, document, *, front: bool = False):
        """Draw and tag every page of `document`, then let go of its boxes."""
        for page in document.pages:
            (self.front if front else self.body).append(self._draw_page(page))
            page._page_box = None

    def _draw_page(self, page) -> _Page:
        pdf, scale = self.pdf, SCALE
        start = len(pdf.objects)
        tags: dict = {}
        width, height = scale * page.width, scale * page.height
        stream = Stream(self.fonts, (0, 0, page.width, page.height), self.resources, self.images, tags, {}, None,
                        compress=True)
        # Leaves the CTM flipped (top-left origin) at its end: the overlay is drawn in that space.
        stream.transform(d=-1, f=height)
        pdf.add_object(stream)
        key = len(self.nums)
        pdf_page = pydyf.Dictionary({
            "Type": "/Page", "Parent": pdf.pages.reference, "MediaBox": pydyf.Array([0, 0, width, height]),
            "Contents": stream.reference, "Resources": self.resources.reference, "Tabs": "/S", "StructParents": key,
            "TrimBox": pydyf.Array([0, 0, width, height]), "BleedBox": pydyf.Array([0, 0, width, height]),
        })
        pdf.add_page(pdf_page)
        anchors = [(name, x, y) for name, (x, y, _w, _h) in page.anchors.items() if name not in self.anchors]
        self.anchors.update(name for name, _x, _y in anchors)
        links = [link for link in page.links if link[0] != "internal" or link[1] in self.anchors]
        matrix = Matrix(scale, 0, 0, -scale, 0, height)
        add_links((links, anchors), matrix, pdf, pdf_page, self.names, tags)
        page.paint(stream, scale)

        page_nums: dict = {}
        annotations: list = []
        elements = [element.reference for element in _build_box_tree(
            page._page_box, self.structure_document, _Objects(pdf, (pdf_page.reference,)), 0, page_nums,
            annotations, tags)]
        self.nums.append((key, pydyf.Array([reference for _mcid, reference in sorted(page_nums.items())])))
        for reference, annotation in annotations:
            annotation["StructParent"] = len(self.nums)
            self.nums.append((len(self.nums), reference))
        for position in range(start, len(pdf.objects)):
            if pdf.objects[position] is not pdf_page:
                pdf.objects[position] = _Frozen(pdf.objects[position])
        return _Page(pdf_page, page.height, list(page.bookmarks), elements, stream.reference)

    def overlay(self, document, start: int):
        """Draw `document`'s pages (the page furniture) over the pages from `start` on, as artifacts."""
        pages = (self.front + self.body)[start:start + len(document.pages)]
        for record, page in zip(pages, document.pages):
            stream = Stream(self.fonts, (0, 0, page.width, page.height), self.resources, self.images, None, {}, None,
                            compress=True)
            stream.begin_marked_content("Artifact")
            page.paint(stream, SCALE)
            stream.end_marked_content()
            self.pdf.add_object(stream)
            record.pdf_page["Contents"] = pydyf.Array([record.contents, stream.reference])
            self.pdf.objects[-1] = _Frozen(stream)
            page._page_box = None

    def write(self, metadata: DocumentMetadata) -> bytes:
        pdf = self.pdf
        pages = self.front + self.body
        kids = pydyf.Array()
        for record in pages:
            kids.extend([record.pdf_page.number, 0, "R"])
        pdf.pages["Kids"] = kids
        self.structure_document["K"] = pydyf.Array([ref for record in pages for ref in record.elements])
        self.parent_tree["Nums"] = pydyf.Array([item for pair in self.nums for item in pair])
        self.structure_root["K"] = pydyf.Array([self.structure_document.reference])

        root, skipped, last_by_depth, previous = [], [], None, 0
        last_by_depth = [root]
        for number, record in enumerate(pages):
            previous = make_page_bookmark_tree(record, skipped, last_by_depth, previous, number,
                                               Matrix(a=SCALE, d=-SCALE, f=record.height * SCALE))
        add_outlines(_Objects(pdf, tuple(record.pdf_page.reference for record in pages)), root)

        pdf.info["Producer"] = pydyf.String(f"WeasyPrint {VERSION}")
        if metadata.title:
            pdf.info["Title"] = pydyf.String(metadata.title)
        if metadata.authors:
            pdf.info["Author"] = pydyf.String(", ".join(metadata.authors))
        if metadata.description:
            pdf.info["Subject"] = pydyf.String(metadata.description)
        if metadata.generator:
            pdf.info["Creator"] = pydyf.String(metadata.generator)
        pdf.catalog["Lang"] = pydyf.String(metadata.lang or "")

        fonts = build_fonts_dictionary(pdf, self.fonts, True, True, {"hinting": False, "pdf_version": "1.7"})
        pdf.add_object(fonts)
        self.resources["Font"] = fonts.reference
        _use_references(pdf, self.resources, self.images, {})
        if self.names:
            names = pydyf.Array()
            for name, destination in sorted(self.names, key=lambda item: item[0]):
                names.extend([pydyf.String(name), destination])
            pdf.catalog["Names"] = pydyf.Dictionary({"Dests": pydyf.Dictionary({"Names": names})})
        pdf.catalog["StructTreeRoot"] = self.structure_root.reference
        pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
        pdf.catalog["PageMode"] = "/UseOutlines"
        metadata.include_in_pdf(pdf, "ua", 1, conformance=None, compress=True)
        output = io.BytesIO()
        pdf.write(output, b"1.7", None, True)
        return output.getvalue()


def write_chunked(plan, root, base_url, url_fetcher, stylesheets: list, font_config) -> bytes:
    """The report planned by `plan_chunks` as one PDF (see the module's docstring)."""
    # The parsed report lives through the whole render: frozen, Python's collector never
    # walks it; it collects once after each chunk (its boxes hold cycles), not during
    # layout, which allocates millions of objects.
    gc.collect()
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _write_chunked(plan, root, base_url, url_fetcher, stylesheets, font_config)
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def _write_chunked(plan, root, base_url, url_fetcher, stylesheets: list, font_config) -> bytes:
    report, front, chunks = plan
    options = {"font_config": font_config, "pdf_variant": "pdf/ua-1", "pdf_tags": True}
    chunk_css = CSS(string=CHUNK_CSS, font_config=font_config)
    writer = _Writer()
    body_anchors: dict = {}
    for parts in chunks:
        document = _TreeHTML(_chunk_tree(root, report, parts), base_url, url_fetcher).render(
            stylesheets=[*stylesheets, chunk_css], **options)
        offset = len(writer.body)
        for position, page in enumerate(document.pages):
            for name in page.anchors:
                body_anchors.setdefault(name, offset + position)
        writer.draw(document)
        del document
        gc.collect()

    # The cover and contents, laid out last, when every page number is known; the
    # numbers depend on how many pages they take themselves (one contents page, mostly).
    front_tree = _chunk_tree(root, report, front)
    targets = sorted({link.get("href")[1:] for part in front for link in part.iter("a")
                      if (link.get("href") or "").startswith("#")} & set(body_anchors))
    front_pages = 2
    for _attempt in range(3):
        numbers = "".join(
            f'.report-toc a[href={_css_string("#" + name)}]::after '
            f'{{ content: leader(".") {_css_string(str(front_pages + body_anchors[name] + 1))}; }}\n'
            for name in targets)
        document = _TreeHTML(front_tree, base_url, url_fetcher).render(
            stylesheets=[*stylesheets, chunk_css, CSS(string=numbers, font_config=font_config)], **options)
        if len(document.pages) == front_pages:
            break
        front_pages = len(document.pages)
    writer.draw(document, front=True)
    metadata = DocumentMetadata(**get_html_metadata(document._html))
    del document

    # "Side X af Y", the plan's title and the draft mark, over every page, a slice of pages
    # at a time. Each page's furniture is set on the page itself (string() would search back
    # through every page for a value set once, quadratic in the pages): "Kladde" and
    # "Side X af Y" as report.css has them, the cover bare as report.css's `@page :first`.
    total = len(writer.front) + len(writer.body)
    title = next((" ".join("".join(e.itertext()).split()) for part in front for e in part.iter()
                  if "report-plan-title" in _classes(e)), "")
    draft = "Kladde" if any("report-draft-mark" in _classes(e) for part in front for e in part.iter()) else ""
    overlay_css = CSS(string=OVERLAY_CSS, font_config=font_config)
    for start in range(0, total, OVERLAY_PAGES):
        overlay_root = Element("html", {"lang": root.get("lang", "da")})
        overlay_body = Element("body")
        wrapper = Element("div", {"class": "report"})
        wrapper.extend(Element("div", {"class": "report-overlay-page", "data-draft": draft, **(
            {"data-title": title, "data-number": f"Side {number} af {total}"} if number > 1 else {})})
            for number in range(start + 1, min(start + OVERLAY_PAGES, total) + 1))
        overlay_body.append(wrapper)
        overlay_root.append(overlay_body)
        overlay = _TreeHTML(overlay_root, base_url, url_fetcher).render(
            stylesheets=[*stylesheets, overlay_css], font_config=font_config)
        if len(overlay.pages) != len(wrapper):
            raise RuntimeError(f"overlay has {len(overlay.pages)} pages for {len(wrapper)}")
        writer.overlay(overlay, start)
        del overlay
        gc.collect()
    return writer.write(metadata)
