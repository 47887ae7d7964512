"""The .docx itself: the safety checks before anything parses it, and its body read into blocks.

`check_docx` looks at the bytes with the Excel import's own package checks (size cap before
reading, zip bombs, macros) and refuses any XML part with a DTD, so no entity is ever expanded.
`read_document` then walks the body in order (python-docx): paragraphs with their style, list
marks and bold labels, tables with their cells' paragraphs.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..files import ImportFailed, check_size, inspect_package, refuse

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_BLOCKS = 20_000  # paragraphs and table rows read from one document
# python-docx holds the whole body in memory (lxml, several times its size): a plan of a hundred
# pages is a few MB of XML, so a part above this is refused rather than parsed in a web worker.
MAX_XML_PART_BYTES = 25 * 1024 * 1024


# --- the file --------------------------------------------------------------------------

def not_docx_message() -> str:
    return _("Filen er ikke et Word-dokument (.docx). Åbn den i Word, vælg Filer > Gem som, vælg "
             "»Word-dokument (.docx)«, og prøv igen.")


def macro_message() -> str:
    return _("Dokumenter med makroer (.docm) kan ikke indlæses. Gem dokumentet som »Word-dokument (.docx)« "
             "og prøv igen.")


def _no_dtd(archive, members):
    """OOXML parts never need a DTD; one in a part can only be there to define entities
    (billion laughs, external entities), so such a file is refused before any parser sees it."""
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels")):
            continue
        if member.file_size > MAX_XML_PART_BYTES:
            raise refuse(_("Dokumentets tekst fylder mere end portalen vil læse (højst %(mb)s MB). Del dokumentet "
                           "op, eller fjern indhold, der ikke hører til planen.")
                         % {"mb": MAX_XML_PART_BYTES // (1024 * 1024)})
        with archive.open(member) as part:
            tail = b""
            while chunk := part.read(64 * 1024):
                window = (tail + chunk).upper()
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                    raise refuse(_("Dokumentet indeholder XML-definitioner (DTD eller entiteter), som portalen "
                                   "ikke læser. Gem det igen som »Word-dokument (.docx)«."))
                tail = chunk[-16:]


def check_docx(fileobj, name: str = "", size: int | None = None) -> None:
    """Refuse anything that is not a plain, reasonably sized .docx before parsing it."""
    lower = name.lower()
    if lower.endswith((".docm", ".dotm")):
        raise refuse(macro_message())
    if lower.endswith((".odt", ".ott", ".fodt")):
        raise refuse(_("Filen er et LibreOffice-dokument (.odt), som portalen ikke kan læse. Åbn den i LibreOffice, "
                       "vælg Filer > Gem som, vælg filtypen »Word 2007-365 (.docx)«, og indlæs den nye fil."))
    check_size(fileobj, size)
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the old binary Word format
        raise refuse(_("Filen er et ældre Word-dokument (.doc). Åbn den i Word, vælg Filer > Gem som, vælg "
                       "»Word-dokument (.docx)«, og prøv igen."))
    names, content_types, mimetype = inspect_package(fileobj, not_docx_message, _no_dtd)
    if any(n.endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise refuse(macro_message())
    if b"opendocument" in mimetype or "word/document.xml" not in names:
        raise refuse(not_docx_message())


# --- the blocks ------------------------------------------------------------------------

@dataclass
class Para:
    text: str
    style: str = ""
    level: int = 0  # heading level, 0 for body text
    listed: bool = False
    bold: str = ""  # the leading bold text (a label or a title), "" if none
    all_bold: bool = False
    index: int = 0  # afsnit number in the body, 0 inside tables

    @property
    def title_style(self):
        return self.style in {"title", "titel"}

    @property
    def subtitle_style(self):
        return self.style in {"subtitle", "undertitel"}


@dataclass
class Table:
    index: int
    rows: list  # [[ [Para, …] per cell ] per row]


def _style_name(paragraph) -> str:
    try:
        return (paragraph.style.name or "").strip().casefold()
    except Exception:  # a style the document names but does not define
        return ""


def _para(paragraph, index=0) -> Para:
    text = paragraph.text.replace("\xa0", " ").strip()
    style = _style_name(paragraph)
    level = 0
    match = re.match(r"(?:heading|overskrift)\s*(\d)", style)
    if match:
        level = int(match.group(1))
    ppr = paragraph._p.pPr
    listed = ("list" in style or "liste" in style or (ppr is not None and ppr.numPr is not None))
    bold, all_bold, leading = [], True, True
    for run in paragraph.runs:
        if not run.text.strip():
            if leading:
                bold.append(run.text)
            continue
        # Underlined counts as bold: a label is emphasised either way ("Overordnet målsætning").
        is_bold = bool(run.bold) or bool(run.underline) or (
            run.bold is None and bool(getattr(paragraph.style.font, "bold", False)))
        if is_bold and leading:
            bold.append(run.text)
        else:
            leading = False
        all_bold = all_bold and is_bold
    return Para(text, style, level, listed, "".join(bold).strip() if text else "", bool(text) and all_bold, index)


def _too_long() -> ImportFailed:
    return refuse(_("Dokumentet er for langt (højst %(max)s afsnit og tabelrækker).")
                  % {"max": f"{MAX_BLOCKS:,}".replace(",", ".")})


def read_document(fileobj):
    """The body's paragraphs and tables in order; a file python-docx cannot open is refused."""
    import docx  # python-docx, imported here so that the Excel import never loads it

    try:
        document = docx.Document(fileobj)
        blocks, paragraphs, tables, count = [], 0, 0, 0
        for item in document.iter_inner_content():
            count += 1
            if count > MAX_BLOCKS:
                raise _too_long()
            if isinstance(item, docx.table.Table):
                tables += 1
                rows = []
                for row in item.rows:
                    count += 1
                    if count > MAX_BLOCKS:
                        raise _too_long()
                    cells, seen = [], set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # a merged cell is listed once per grid column
                            continue
                        seen.add(id(cell._tc))
                        cells.append([_para(p) for p in cell.paragraphs if p.text.strip()])
                    rows.append(cells)
                blocks.append(Table(tables, rows))
            else:
                paragraphs += 1
                para = _para(item, paragraphs)
                if para.text:
                    blocks.append(para)
        return blocks, document.core_properties.title or ""
    except ImportFailed:
        raise
    except Exception:  # python-docx and lxml raise many kinds for broken files; all mean the same
        raise refuse(_("Filen er beskadiget eller ufuldstændig og kan ikke læses.")) from None
