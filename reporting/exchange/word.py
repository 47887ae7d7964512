"""Reading a plan out of a Word document (.docx) into the Excel import's `Parsed` rows.

A municipality's plan usually exists first as a Word document. `check_docx` looks at
the bytes with the Excel import's own package checks (size cap before reading, zip
bombs, macros) and refuses any XML part with a DTD, so no entity is ever expanded.
`read_document` then walks the body in order (python-docx): paragraphs with their
style, list marks and bold labels, tables with their cells' paragraphs, each with
where it is ("afsnit 14", "tabel 3, række 2").

`recognise` turns the blocks into a `WordPlan`, a tree of directions, initiatives,
activities, cross-links and budget lines, each with its source, and a list of what
it could not place. It knows the shapes of the seed documents:

- a handleplan (Svendborg): "Retning N: …" paragraphs, one table per initiative with
  a row "Initiativ | Aktiviteter … | Retninger i masterplanen, som projektet også
  understøtter", years in a header row above, "1. halvår"/"2. halvår" activities,
  cross-links written "N: statement", page-break fragments stitched back;
- numbered headings ("Spor N – …" and "N.M Indsats – …"; "4.1 F1 - …" and "4.1.1 …")
  with bold labels (Formål, Beskrivelse, Konkrete handlinger, Hvad skal der komme ud
  af indsatsen, Tidsplan, Aktiviteter, …) and budget tables with a column per year;
- theme tables (Familieafdelingen 2018): a goal box ("Overordnet målsætning",
  "Konkrete målsætninger" with "Målet er opnået, når …", "Fokuspunkter"), then
  "Aktivitet | Formål | Implementering og opfølgning | Ansvarlig" rows.

`to_parsed` makes the workbook rows of it; an existing plan's own rows are the base,
so what a document does not say (status, owners, history, initiatives it leaves out)
stays as it is. The write is the Excel import's (`importer.import_plan`): the same
forms, the same all-or-nothing transaction, audited with the source "word".
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .files import (MAX_UPLOAD_BYTES, ImportFailed, Parsed, Problem, inspect_package, refuse,
                    too_large_message)
from .workbook import (OPTIONAL_SHEETS, SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_DIRECTIONS, SHEET_INITIATIVES,
                       SHEET_PLAN, SHEETS)

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
    if size is None:
        fileobj.seek(0, 2)
        size = fileobj.tell()
    if size == 0:
        raise refuse(_("Filen er tom."))
    if size > MAX_UPLOAD_BYTES:
        raise refuse(too_large_message())
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


def read_document(fileobj):
    """The body's paragraphs and tables in order; a file python-docx cannot open is refused."""
    import docx  # python-docx, imported here so that the Excel import never loads it

    try:
        document = docx.Document(fileobj)
        blocks, paragraphs, tables, count = [], 0, 0, 0
        for item in document.iter_inner_content():
            count += 1
            if count > MAX_BLOCKS:
                raise refuse(_("Dokumentet er for langt (højst %(max)s afsnit og tabelrækker).")
                             % {"max": f"{MAX_BLOCKS:,}".replace(",", ".")})
            if isinstance(item, docx.table.Table):
                tables += 1
                rows = []
                for row in item.rows:
                    count += 1
                    if count > MAX_BLOCKS:
                        raise refuse(_("Dokumentet er for langt (højst %(max)s afsnit og tabelrækker).")
                                     % {"max": f"{MAX_BLOCKS:,}".replace(",", ".")})
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


# --- the recognised plan -----------------------------------------------------------------

@dataclass
class Source:
    table: int = 0
    row: int = 0
    paragraph: int = 0

    def __str__(self):
        if self.table:
            return _("tabel %(table)s, række %(row)s") % {"table": self.table, "row": self.row} if self.row \
                else _("tabel %(table)s") % {"table": self.table}
        return _("afsnit %(number)s") % {"number": self.paragraph} if self.paragraph else _("dokumentet")


def _src(para: Para, where: Source | None = None) -> Source:
    return where if where is not None else Source(paragraph=para.index)


@dataclass
class WActivity:
    year: int
    period: str
    text: str
    source: Source

    @property
    def period_label(self) -> str:
        from initiatives.models import Period

        return str(dict(Period.choices).get(self.period, self.period))


@dataclass
class WBudget:
    year: int
    amount: Decimal
    label: str
    kind: str
    source: Source


@dataclass
class WInitiative:
    number: str
    source: Source
    kind: str = "initiativ"
    fields: dict = field(default_factory=dict)
    activities: list = field(default_factory=list)
    cross_links: list | None = None  # None: the document does not say
    link_sources: list = field(default_factory=list)
    budget: list = field(default_factory=list)
    last: str = "title"  # the field the last paragraph of its first cell went to (a fragment goes on there)
    last_by_column: dict = field(default_factory=dict)

    @property
    def title(self):
        return self.fields.get("title", "")

    @property
    def text(self):
        """The fields for a template: a field the document did not fill is empty."""
        return defaultdict(str, self.fields)


@dataclass
class WDirection:
    number: int
    source: Source
    fields: dict = field(default_factory=dict)
    initiatives: list = field(default_factory=list)
    prefix: str = ""  # the heading's own number when it differs ("4.1" for F1)

    @property
    def text(self):
        return defaultdict(str, self.fields)


@dataclass
class Unplaced:
    source: Source
    text: str
    reason: str = ""


@dataclass
class WordPlan:
    plan: dict = field(default_factory=dict)
    directions: list = field(default_factory=list)
    budget: list = field(default_factory=list)  # plan-level budget lines
    unplaced: list = field(default_factory=list)
    shape: str = ""
    years: set = field(default_factory=set)
    headings: list = field(default_factory=list)  # headings that are neither directions nor initiatives

    @property
    def initiatives(self):
        return [i for d in self.directions for i in d.initiatives]

    @property
    def activities(self):
        return [a for i in self.initiatives for a in i.activities]

    @property
    def budget_lines(self):
        return self.budget + [b for i in self.initiatives for b in i.budget]

    @property
    def cross_links(self):
        return [n for i in self.initiatives for n in (i.cross_links or [])]


# Labels as the seeds write them → (field, list?). Directions and initiatives share them.
LABELS = {
    "mål": ("goal", False),
    "overordnet målsætning": ("goal", False),
    "formål": ("purpose", False),
    "formål med indsatsen": ("purpose", False),
    "formål med handlingen": ("purpose", False),
    "beskrivelse": ("description", False),
    "kort om sporet": ("description", False),
    "baggrund": ("description", False),
    "indhold": ("description", False),
    "økonomi": ("description", False),
    "konkrete handlinger": ("actions", True),
    "handlinger": ("actions", True),
    "hvad skal der komme ud af indsatsen": ("expected_outcomes", True),
    "hvad skal der komme ud indsatsen": ("expected_outcomes", True),
    "forventede resultater": ("expected_outcomes", True),
    "succeskriterier": ("success_criteria", True),
    "konkrete målsætninger": ("success_criteria", True),
    "fokuspunkter": ("focus_points", True),
    "tidsplan": ("deadline", False),
    "tidsramme": ("deadline", False),
    "frist": ("deadline", False),
    "ansvarlig": ("responsible", False),
    "implementering og opfølgning": ("follow_up", False),
    "opfølgning": ("follow_up", False),
    "aktiviteter": ("activities", True),
    "understøtter også": ("cross_links", True),
    "retninger i masterplanen, som projektet også understøtter": ("cross_links", True),
}
DIRECTION_FIELDS = {"title", "statement", "goal", "purpose", "description", "success_criteria", "focus_points"}
DIRECTION_WORDS = {
    "retning": ("Retning", "Retninger"), "spor": ("Spor", "Spor"), "spør": ("Spor", "Spor"),
    "fokusområde": ("Fokusområde", "Fokusområder"), "tema": ("Tema", "Temaer"),
    "indsatsområde": ("Indsatsområde", "Indsatsområder"),
}
INITIATIVE_WORDS = {
    "initiativ": ("Initiativ", "Initiativer"), "projekt": ("Initiativ", "Initiativer"),
    "indsats": ("Indsats", "Indsatser"), "handling": ("Handling", "Handlinger"),
    # A theme table's "Aktivitet" is an initiative with activities of its own in the portal:
    # it gets the demo plan's word (Tiltag), so "aktivitet" keeps meaning one thing.
    "aktivitet": ("Tiltag", "Tiltag"),
}
_WORDS = "|".join(sorted(DIRECTION_WORDS, key=len, reverse=True))
DIRECTION_RE = re.compile(rf"^({_WORDS})\s+(\d{{1,3}})\s*(?:[:.–—-]\s*(.*))?$", re.IGNORECASE | re.DOTALL)
FOCUS_RE = re.compile(r"^(\d{1,2}\.\d{1,2})\.?\s+F(\d{1,3})\s*[:.–—-]\s*(.+)$", re.DOTALL)
INITIATIVE_RE = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){1,3})\.?\s+(?:(initiativ|indsats|projekt|handling|aktivitet)"
                           r"\s*(?:[:–—-]\s*)?)?(\S.*)$", re.IGNORECASE | re.DOTALL)
ACTIVITY_NUMBER_RE = re.compile(r"^aktivitet\s+(\d{1,3})\b[.:]?\s*(.*)$", re.IGNORECASE | re.DOTALL)
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
PERIOD_RE = re.compile(r"^(1|2)\.\s*halvår\b[:.]?\s*|^([1-4])\.\s*kvartal\b[:.]?\s*|^Q([1-4])\b[:.]?\s*",
                       re.IGNORECASE)
ACTIVITY_LINE_RE = re.compile(r"^((?:19|20)\d\d)\s*(?:,\s*)?(?:\(?((?:1|2)\.\s*halvår|[1-4]\.\s*kvartal)\)?)?\s*[:–—-]\s*(.+)$",
                              re.IGNORECASE | re.DOTALL)
LINK_RE = re.compile(r"^(?:(?:retning|spor|fokusområde|tema)\s+)?(\d{1,3})\s*[:.–—-]", re.IGNORECASE)
LINK_NUMBERS_RE = re.compile(r"(?:retning|spor|fokusområde|tema)?\s*(\d{1,3})", re.IGNORECASE)
TIME_WORDS_RE = re.compile(r"(?:19|20)\d\d|løbende|foråret|efteråret|sommeren|vinteren|ultimo|primo|medio|"
                           r"januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december",
                           re.IGNORECASE)
SUBHEADINGS = {"handlinger": "handling", "indsatser": "indsats", "initiativer": "initiativ",
               "projekter": "projekt", "aktiviteter": "aktivitet"}
SENTENCE_END = (".", "!", "?", ":", "”", '"', "»", ")")


def _label(para: Para):
    """(field key, is a list, the text after the label) if the paragraph starts with a known label."""
    candidates = []
    if para.bold:
        candidates.append((para.bold, para.text[len(para.bold):] if para.text.startswith(para.bold) else ""))
    if ":" in para.text[:90]:
        head, rest = para.text.split(":", 1)
        candidates.append((head, rest))
    if para.all_bold or para.level:
        candidates.append((para.text, ""))
    for head, rest in candidates:
        key = head.strip().rstrip(":").strip().casefold()
        if key in LABELS:
            return (*LABELS[key], rest.strip().lstrip(":").strip())
        if key.startswith("formål") and len(key) < 40:
            return "purpose", False, rest.strip().lstrip(":").strip()
    return None


def _join(old: str, new: str, paragraph: bool = True) -> str:
    if not old:
        return new
    return f"{old}\n\n{new}" if paragraph else f"{old}\n{new}"


def _continue(old: str, new: str) -> str:
    """A fragment after a page break: the same sentence goes on, else a new paragraph starts."""
    if not old:
        return new
    return f"{old}\n\n{new}" if old.rstrip().endswith(SENTENCE_END) else f"{old} {new}"


def _amount(text: str, factor: int) -> Decimal | None:
    text = text.replace("kr.", "").replace(" ", "").replace("\xa0", "").strip()
    if not re.fullmatch(r"-?[\d.]+(,\d+)?", text):
        return None
    try:
        return (Decimal(text.replace(".", "").replace(",", ".")) * factor).quantize(Decimal("1"))
    except InvalidOperation:
        return None


class Reader:
    """One pass over the blocks; the current direction, initiative and field decide where a paragraph goes."""

    def __init__(self, blocks, core_title=""):
        self.blocks = blocks
        self.plan = WordPlan()
        self.core_title = core_title
        self.direction: WDirection | None = None
        self.initiative: WInitiative | None = None
        self.target = None  # (object, field, is_list) the next paragraphs belong to
        self.section = "intro"  # intro, vision, plan, other
        self.last_table = None  # (kind, Table, object) of the table just read, for page-break fragments
        self.years_by_column = {}
        self.handleplan = None  # the columns of the last handleplan table: years, cross-links, header word
        self.columns = {}  # the columns of the last theme table's activity rows
        self.box_field = None  # the goal box's current part
        self.pending_heading = None  # the last heading that was neither a direction nor an initiative
        self.direction_word = self.initiative_word = ""
        self.intro, self.vision = [], []

    # --- helpers

    def unplaced(self, source, text, reason=""):
        self.plan.unplaced.append(Unplaced(source, text[:300], reason))

    def set_field(self, obj, key, value, is_list=False, paragraph=True):
        if is_list:
            obj.fields.setdefault(key, []).append(value)
        else:
            obj.fields[key] = _join(obj.fields.get(key, ""), value, paragraph)

    def new_direction(self, number, source, prefix=""):
        existing = {d.number for d in self.plan.directions}
        if number in existing:
            number = max(existing) + 1
        self.direction = WDirection(number, source, prefix=prefix)
        self.plan.directions.append(self.direction)
        self.initiative, self.target, self.section = None, None, "plan"
        return self.direction

    def new_initiative(self, number, source, kind="initiativ"):
        numbers = {i.number for i in self.plan.initiatives}
        base, n = number, 1
        while number in numbers:  # the same number twice: keep both, the second one renumbered
            n += 1
            number = f"{base}-{n}"
        self.initiative = WInitiative(number, source, kind)
        self.direction.initiatives.append(self.initiative)
        self.target = None
        return self.initiative

    # --- the walk

    def read(self) -> WordPlan:
        for block in self.blocks:
            if isinstance(block, Table):
                self.table(block)
            else:
                previous_table = self.last_table
                self.last_table = None
                self.paragraph(block, previous_table)
        self.finish()
        return self.plan

    def paragraph(self, para: Para, previous_table=None):
        text = para.text
        headingish = para.level or para.all_bold or para.title_style
        if para.title_style and not self.plan.plan.get("title"):
            self.plan.plan["title"] = text
            return
        match = FOCUS_RE.match(text)
        if match and (headingish or len(text) < 200):
            direction = self.new_direction(int(match.group(2)), _src(para), prefix=match.group(1))
            direction.fields["statement"] = f"F{match.group(2)} - {match.group(3).strip()}"
            direction.fields["title"] = match.group(3).strip()
            self.direction_word = self.direction_word or "fokusområde"
            self.initiative_word = self.initiative_word or "handling"
            return
        match = DIRECTION_RE.match(text)
        if match and (headingish or (match.group(3) and len(text) < 600)):
            direction = self.new_direction(int(match.group(2)), _src(para))
            rest = (match.group(3) or "").strip()
            if rest:
                direction.fields["statement"] = rest
                if len(rest) <= 60 and para.level:
                    direction.fields["title"] = rest
            else:
                self.target = (direction, "statement", False)
            self.direction_word = self.direction_word or match.group(1).casefold()
            return
        match = INITIATIVE_RE.match(text)
        if match and headingish and self.direction is not None and self.extends(match.group(1)):
            word = (match.group(2) or "").casefold()
            initiative = self.new_initiative(match.group(1), _src(para), "projekt" if word == "projekt" else "initiativ")
            initiative.fields["title"] = match.group(3).strip()
            if word:
                self.initiative_word = self.initiative_word or word
            return
        label = _label(para)
        if label is not None and (self.direction is not None or label[0] == "goal"):
            self.labelled(para, *label)
            return
        if para.level or (para.all_bold and len(text) < 120 and not para.listed):
            self.heading(para)
            return
        if para.subtitle_style and self.direction is not None and self.initiative is None \
                and not self.direction.fields.get("goal"):
            self.direction.fields["statement"] = text
            return
        self.content(para)

    def extends(self, number: str) -> bool:
        prefix = self.direction.prefix or str(self.direction.number)
        return number.startswith(prefix + ".") and number.count(".") == prefix.count(".") + 1

    def heading(self, para: Para):
        """A heading that is neither a direction nor an initiative."""
        key = para.text.strip().rstrip(":").casefold()
        if len(self.plan.headings) < 200:
            self.plan.headings.append(Unplaced(_src(para), para.text[:200]))
        if key in SUBHEADINGS and self.direction:
            self.initiative_word = self.initiative_word or SUBHEADINGS[key]
            self.initiative, self.target = None, None
            return
        if key == "vision":
            self.section, self.target = "vision", None
            return
        self.pending_heading = para  # a theme table without a title row takes its title from here
        if not self.plan.directions:
            # Without a title style, the first heading is the title, unless it only names the municipality.
            if not self.plan.plan.get("title") and para.level <= 2 and not self.intro \
                    and not MUNICIPALITY_RE.fullmatch(para.text):
                self.plan.plan.setdefault("heading", para.text)
            self.section = "intro"
            return
        self.direction = self.initiative = self.target = None
        self.section = "other"

    def labelled(self, para, key, is_list, rest):
        obj = self.initiative or self.direction
        if obj is None and self.plan.directions:  # a label under a heading the reader does not know
            self.unplaced(_src(para), para.text, _("Står under en overskrift, der ikke er en retning eller et "
                                                   "initiativ."))
            self.target = None
            return
        if obj is None:  # a goal before any direction: the plan's vision
            self.section, self.target = "vision", None
            if rest:
                self.vision.append(rest)
            return
        if key in DIRECTION_FIELDS and obj is self.direction or isinstance(obj, WInitiative):
            if key == "actions" and obj is self.direction:
                key = "description"
                is_list = False
            self.target = (obj, key, is_list)
            if rest:
                self.add_to_target(para, rest)
            return
        self.target = (obj, "description", False)
        if rest:
            self.add_to_target(para, rest)

    def add_to_target(self, para: Para, text: str):
        obj, key, is_list = self.target
        if key == "activities":
            self.activity_line(para, text)
        elif key == "cross_links":
            self.link_line(obj, para, text)
        elif is_list:
            self.set_field(obj, key, text, True)
        else:
            self.append_text(obj, key, para, text)

    def append_text(self, obj, key, para: Para, text: str):
        """A paragraph of running text; bulleted paragraphs in a row are one "- " list."""
        in_list = para.listed and obj.fields.get(key, "").rsplit("\n", 1)[-1].startswith("- ")
        self.set_field(obj, key, f"- {text}" if para.listed else text, paragraph=not in_list)

    def activity_line(self, para: Para, text: str):
        match = ACTIVITY_LINE_RE.match(text)
        if not match or self.initiative is None:
            self.unplaced(_src(para), text, _("En aktivitet skal begynde med sit år, fx »2025: …«."))
            return
        period = "year"
        if match.group(2):
            word = match.group(2).casefold()
            number = word[0]
            period = ("h" if "halvår" in word else "q") + number
        year = int(match.group(1))
        self.plan.years.add(year)
        self.initiative.activities.append(WActivity(year, period, match.group(3).strip(), _src(para)))

    def link_line(self, obj, para: Para, text: str, where=None):
        if not isinstance(obj, WInitiative):
            return
        if ":" in text:  # "N: statement", several in one paragraph when the cell lost its breaks
            numbers = [int(n) for n in re.findall(r"(?:^|(?<=[.!?]\s))(?:retning\s+)?(\d{1,3})\s*:", text,
                                                  re.IGNORECASE)]
        else:
            numbers = [int(n) for n in LINK_NUMBERS_RE.findall(text)]
        if not numbers:
            self.unplaced(_src(para, where), text, _("Ikke et nummer på en retning."))
            return
        obj.cross_links = (obj.cross_links or []) + [n for n in numbers if n not in (obj.cross_links or [])]
        obj.link_sources.append(_src(para, where))

    def content(self, para: Para, where=None):
        text = para.text
        if self.target is not None:
            self.add_to_target(para, text)
            return
        if self.initiative is not None:
            self.append_text(self.initiative, "description", para, text)
        elif self.direction is not None:
            key = "purpose" if text.casefold().startswith("formål") and not self.direction.fields.get("description") \
                else "description"
            self.append_text(self.direction, key, para, text)
        elif self.section == "vision":
            self.vision.append(text)
        elif self.section == "intro":
            if para.subtitle_style:
                self.unplaced(_src(para), text, _("Undertitel; ikke gemt."))
            elif para.listed and self.intro and self.intro[-1].rsplit("\n", 1)[-1].startswith("- "):
                self.intro[-1] += f"\n- {text}"
            else:
                self.intro.append(f"- {text}" if para.listed else text)
        else:
            self.unplaced(_src(para, where), text, _("Står under en overskrift, der ikke er en retning eller et "
                                                     "initiativ."))

    # --- tables

    def table(self, table: Table):
        rows = table.rows
        texts = [[" ".join(p.text for p in cell) for cell in row] for row in rows]
        flat = [t.casefold() for row in texts for t in row]
        previous, self.last_table = self.last_table, None
        if any(t.startswith("overordnet målsætning") for t in flat) or self.activity_header(texts) is not None \
                and not any(t in {"aktiviteter"} for t in flat):
            if self.theme_table(table, texts):
                return
        handleplan = any(self.row_kind(row) in {"header", "years"} for row in texts)
        follows = previous is not None and previous[0] == "handleplan" and self.direction is not None
        if handleplan or follows:
            self.handleplan_table(table, texts, continuing=follows)
            return
        if self.budget_table(table, texts):
            return
        if previous is not None and self.fragment(previous, table, texts):
            return
        first = next((t for row in texts for t in row if t.strip()), "")
        if first:
            self.unplaced(Source(table=table.index), first, _("Tabellen ligner ingen af de kendte former."))

    @staticmethod
    def row_kind(row) -> str:
        """What a row of a handleplan table is: its header ("Initiativ | Aktiviteter …"), the years above
        it, the rest of a header split by a page break, nothing, or an initiative ("data")."""
        cells = [c.strip().casefold() for c in row]
        if not any(cells):
            return "empty"
        if cells[0] in INITIATIVE_HEADERS and "aktiviteter" in cells[1:]:
            return "header"
        years = [c for c in cells if YEAR_RE.fullmatch(c)]
        rest = [c for c in cells if c and not YEAR_RE.fullmatch(c)]
        if len(years) >= 2 and all(_links_header(c) for c in rest):
            return "years"
        if all(_links_header(c) or c in {"aktiviteter", "initiativ", "projekt"} for c in cells if c) \
                and any(_links_header(c) for c in cells if c):
            return "header-tail"
        return "data"

    def handleplan_table(self, table, texts, continuing=False):
        if self.direction is None:
            self.unplaced(Source(table=table.index), " ".join(t for t in texts[0] if t),
                          _("Tabellen står før den første retning."))
            return
        width = max(len(row) for row in texts)
        info = self.handleplan
        info = dict(info or {"columns": dict(self.years_by_column), "links": None, "word": "initiativ"})
        info["width"] = width
        first_data = True
        for r, cells in enumerate(table.rows):
            row, where = texts[r], Source(table=table.index, row=r + 1)
            kind = self.row_kind(row)
            if kind in {"header", "years"}:
                continuing = False  # a table with its own header starts its own rows
                years = {c: int(t.strip()) for c, t in enumerate(row) if YEAR_RE.fullmatch(t.strip())}
                if years:
                    info["columns"] = self.years_by_column = years
                links = next((c for c, t in enumerate(row) if _links_header(t.casefold())), None)
                if links is not None:
                    info["links"] = links
                if kind == "header":
                    info["word"] = row[0].strip().casefold()
                    self.initiative_word = self.initiative_word or info["word"]
                    # A year row above that does not line up (merged cells): its years in order, one
                    # per "Aktiviteter" column.
                    activity_columns = [c for c, t in enumerate(row) if t.strip().casefold() == "aktiviteter"]
                    years = [y for _c, y in sorted(info["columns"].items())]
                    if sorted(info["columns"]) != activity_columns and len(years) == len(activity_columns):
                        info["columns"] = self.years_by_column = dict(zip(activity_columns, years))
                continue
            if kind in {"empty", "header-tail"}:
                continue
            if first_data and continuing and self.initiative is not None and self.continues(cells):
                self.continue_row(self.initiative, cells, info, where)
                first_data = False
                continue
            first_data = False
            if not cells[0]:
                self.unplaced(where, " ".join(t for t in row if t), _("Rækken har intet initiativ i første kolonne."))
                continue
            number = f"{self.direction.number}.{len(self.direction.initiatives) + 1}"
            kind_word = info["word"]
            initiative = self.new_initiative(number, where, "projekt" if kind_word == "projekt" else "initiativ")
            self.initiative_cell(initiative, cells[0])
            initiative.cross_links = [] if info["links"] is not None else None
            for c, cell in enumerate(cells[1:], start=1):
                if c == info["links"]:
                    for para in cell:
                        self.link_line(initiative, para, para.text, where)
                elif c in info["columns"]:
                    for para in cell:
                        self.activity_cell(initiative, info["columns"][c], para.text, where)
                elif cell:
                    self.unplaced(where, " ".join(p.text for p in cell), _("Kolonnen har intet år."))
        self.handleplan = info
        self.last_table = ("handleplan", table, info)
        self.target = None

    def continues(self, cells) -> bool:
        """Whether a table's first row goes on with the initiative above (a page break split it)."""
        first = cells[0] if cells else []
        if not first:
            return True
        text = first[0].text
        return text[:1].islower() or bool(GOAL_RE.match(text))

    def continue_row(self, initiative, cells, info, where):
        for c, cell in enumerate(cells):
            if not cell:
                continue
            if c == 0:
                paras = list(cell)
                if GOAL_RE.match(paras[0].text):
                    self.initiative_cell(initiative, paras, start=1)
                    continue
                key = initiative.last
                key = "description" if key == "title" else key
                initiative.fields[key] = _continue(initiative.fields.get(key, ""), paras[0].text)
                self.initiative_cell(initiative, paras[1:], start=1)
            elif c == info["links"]:
                for para in cell:
                    if LINK_RE.match(para.text):
                        self.link_line(initiative, para, para.text, where)
                    # otherwise the rest of a direction's statement: the number above says which
            elif c in info["columns"]:
                year = info["columns"][c]
                same = [a for a in initiative.activities if a.year == year]
                paras = list(cell)
                if same and (paras[0].text[:1].islower() or not same[-1].text.rstrip().endswith(SENTENCE_END)):
                    same[-1].text = f"{same[-1].text} {paras.pop(0).text}"
                for para in paras:
                    self.activity_cell(initiative, year, para.text, where)
            else:
                self.unplaced(where, " ".join(p.text for p in cell), _("Kolonnen har intet år."))

    def initiative_cell(self, initiative, cell, start=0):
        """An initiative's first cell: title (and description) first, then "Mål: …" and more text;
        `start=1` for paragraphs that go on from a cell above."""
        for n, para in enumerate(cell, start=start):
            text = para.text
            label = _label(para)
            goal = GOAL_RE.match(text) if n else None
            if (label and label[0] == "goal") or goal:
                rest = label[2] if label and label[0] == "goal" else text[goal.end():]
                initiative.fields["goal"] = _join(initiative.fields.get("goal", ""), rest.strip())
                initiative.last = "goal"
                continue
            if n == 0:
                title, rest = _split_title(para)
                initiative.fields["title"] = title
                goal = ""
                if " Mål: " in f" {rest}":
                    rest, goal = (f" {rest}").split(" Mål: ", 1)
                    rest = rest.strip()
                if rest:
                    initiative.fields["description"] = rest
                if goal:
                    initiative.fields["goal"] = goal.strip()
                initiative.last = "goal" if goal else "description" if rest else "title"
                continue
            key = "goal" if initiative.last == "goal" else "description"
            initiative.fields[key] = _join(initiative.fields.get(key, ""), text)
            initiative.last = key

    def activity_cell(self, initiative, year, text, where):
        period = "year"
        match = PERIOD_RE.match(text)
        if match:
            if match.group(1):
                period = f"h{match.group(1)}"
            else:
                period = f"q{match.group(2) or match.group(3)}"
            text = text[match.end():].strip()
        self.plan.years.add(year)
        initiative.activities.append(WActivity(year, period, text, where))

    def fragment(self, previous, table, texts) -> bool:
        """A table right after a theme table whose rows go on with it (a page break split it).
        Handleplan tables go on in `handleplan_table`."""
        kind, _table, info = previous
        if kind != "theme" or self.initiative is None:
            return False
        if any(len(row) != info["width"] for row in texts if any(t.strip() for t in row)):
            return False
        for r, cells in enumerate(table.rows):
            self.theme_row(cells, texts[r], Source(table=table.index, row=r + 1), continuing=True)
        self.last_table = previous
        return True

    # --- theme tables (Familieafdelingen 2018)

    @staticmethod
    def activity_header(texts):
        for r, row in enumerate(texts):
            cells = [c.strip().casefold() for c in row]
            if len(cells) >= 3 and cells[0] == "aktivitet" and "formål" in cells:
                return r
        return None

    def theme_table(self, table, texts) -> bool:
        header = self.activity_header(texts)
        first = next((r for r, row in enumerate(texts) if any(t.strip() for t in row)), None)
        if first is None:
            return False
        self.new_direction(len(self.plan.directions) + 1, Source(table=table.index, row=first + 1))
        self.direction_word = self.direction_word or "tema"
        self.initiative_word = self.initiative_word or "aktivitet"
        direction, self.box_field = self.direction, None
        first_para = next((p for cell in table.rows[first] for p in cell), None)
        if first_para is not None and _label(first_para) is not None and self.pending_heading is not None:
            direction.fields["statement"] = direction.fields["title"] = self.pending_heading.text
        self.pending_heading = None
        end = header if header is not None else len(table.rows)
        for r in range(first, end):
            for cell in table.rows[r]:
                for para in cell:
                    self.theme_box(direction, para, Source(table=table.index, row=r + 1))
        self.columns = {}
        if header is not None:
            for c, text in enumerate(texts[header]):
                key = text.strip().casefold()
                self.columns[c] = {"aktivitet": "title", "formål": "purpose", "ansvarlig": "responsible",
                                   "implementering og opfølgning": "follow_up", "opfølgning": "follow_up",
                                   "tidsplan": "deadline", "frist": "deadline"}.get(key, "")
            for r in range(header + 1, len(table.rows)):
                self.theme_row(table.rows[r], texts[r], Source(table=table.index, row=r + 1))
            self.last_table = ("theme", table, {"width": len(texts[header])})
        self.target = None
        return True

    def theme_box(self, direction, para, where):
        """The goal box: the theme's title, then labelled parts (goal, success criteria, focus points)."""
        label = _label(para)
        if label is not None and label[0] in DIRECTION_FIELDS:
            self.box_field = label[0], label[1]
            if label[2]:
                self.set_field(direction, label[0], label[2], label[1])
            return
        if "statement" not in direction.fields:
            direction.fields["statement"] = direction.fields["title"] = para.text
            self.box_field = None
            return
        if self.box_field is None:
            self.unplaced(where, para.text, _("Tekst i målboksen uden overskrift."))
            return
        name, is_list = self.box_field
        text = para.text.lstrip("-•– ").strip() if is_list else para.text
        self.set_field(direction, name, text, is_list)

    def theme_row(self, cells, texts, where, continuing=False):
        first = cells[0] if cells else []
        match = ACTIVITY_NUMBER_RE.match(first[0].text) if first else None
        if match and self.direction is not None:
            initiative = self.new_initiative(f"{self.direction.number}.{match.group(1)}", where)
            rest = match.group(2).strip()
            paragraphs = [p.text for p in first[1:]]
            if not rest and paragraphs:
                rest = paragraphs.pop(0)
            initiative.fields["title"] = rest
            for text in paragraphs:
                self.set_field(initiative, "description", text)
            initiative.last_by_column = {0: "description" if paragraphs else "title"}
            start = 1
        elif self.initiative is not None and any(t.strip() for t in texts):
            initiative, start = self.initiative, 0
        else:
            return
        columns = self.columns
        for c in range(start, len(cells)):
            key = columns.get(c) or ("description" if c == 0 else "")
            paragraphs = [p.text for p in cells[c]]
            if not paragraphs:
                continue
            if not key:
                self.unplaced(where, " ".join(paragraphs), _("Kolonnen er ikke genkendt."))
                continue
            if key == "responsible" and start == 1:
                if len(paragraphs) > 1 or TIME_WORDS_RE.search(paragraphs[-1]) and len(paragraphs[-1]) < 40:
                    initiative.fields["deadline"] = paragraphs.pop()
                initiative.fields["responsible"] = "\n".join(paragraphs)
                continue
            if key in ("title", "description") and start == 0 and c == 0:
                last = initiative.last_by_column.get(0, "title")
                title = initiative.fields.get("title", "")
                if last == "title" and title and not title.rstrip().endswith(SENTENCE_END):
                    initiative.fields["title"] = f"{title} {paragraphs.pop(0)}"  # the title goes on
                if last == "title":
                    for text in paragraphs:
                        self.set_field(initiative, "description", text)
                else:
                    initiative.fields["description"] = _continue(initiative.fields.get("description", ""),
                                                                 paragraphs[0])
                    for text in paragraphs[1:]:
                        self.set_field(initiative, "description", text)
                initiative.last_by_column[0] = "description"
                continue
            if key == "responsible":  # a continued responsible cell: the deadline under it
                initiative.fields["deadline"] = _join(initiative.fields.get("deadline", ""), paragraphs[-1])
                continue
            old = initiative.fields.get(key, "")
            if start == 0 and old:
                old = _continue(old, paragraphs[0])
                paragraphs = paragraphs[1:]
            for text in paragraphs:
                old = _join(old, text)
            initiative.fields[key] = old

    # --- budget tables

    def budget_table(self, table, texts) -> bool:
        for h, row in enumerate(texts[:3]):
            years = {c: int(m.group(1)) for c, t in enumerate(row)
                     if (m := re.fullmatch(r"(?:budget\s*)?((?:19|20)\d\d)", t.strip(), re.IGNORECASE))}
            if len(years) >= 2:
                break
        else:
            return False
        head = " ".join(row).casefold()
        factor = 1000 if "1.000 kr" in head or "1000 kr" in head or "t. kr" in head else 1
        kind = "financing" if "finansiering" in head else "expense"
        numbered = row[0].strip().casefold() in {"nr.", "nr"}
        label_columns = [c for c in range(len(row)) if c not in years and not (numbered and c == 0)]
        owner = self.initiative
        for r in range(h + 1, len(texts)):
            cells = texts[r]
            where = Source(table=table.index, row=r + 1)
            label = " ".join(cells[c] for c in label_columns if c < len(cells)).strip()
            if numbered and not cells[0].strip():
                continue  # a group heading or a subtotal ("… i alt"): the numbered rows hold the lines
            if label.casefold().endswith("i alt") or not label:
                continue
            for c, year in years.items():
                amount = _amount(cells[c], factor) if c < len(cells) else None
                if amount is None:
                    if c < len(cells) and cells[c].strip():
                        self.unplaced(where, f"{label}: {cells[c]}", _("Ikke et beløb."))
                    continue
                line = WBudget(year, amount, label, kind, where)
                self.plan.years.add(year)
                (owner.budget if owner is not None else self.plan.budget).append(line)
        self.target = None
        return True

    # --- the plan

    def finish(self):
        plan = self.plan
        for initiative in plan.initiatives:  # a year's activities together, in the document's order
            initiative.activities.sort(key=lambda a: a.year)
        plan.plan.setdefault("title", plan.plan.pop("heading", "") or self.core_title)
        plan.plan.pop("heading", None)
        plan.plan["intro"] = "\n\n".join(self.intro)
        plan.plan["vision"] = "\n\n".join(self.vision)
        word = DIRECTION_WORDS.get(self.direction_word)
        if word:
            plan.plan["direction_label"], plan.plan["direction_label_plural"] = word
        word = INITIATIVE_WORDS.get(self.initiative_word)
        if word:
            plan.plan["initiative_label"], plan.plan["initiative_label_plural"] = word
        plan.shape = (_("handleplan") if any(i.activities and i.source.table for i in plan.initiatives)
                      and self.years_by_column else
                      _("temaer") if self.direction_word == "tema" else
                      _("fokusområder") if self.direction_word == "fokusområde" else
                      _("nummererede overskrifter") if plan.directions else "")
        years = set(plan.years)
        text = " ".join([plan.plan["title"], plan.plan["intro"][:3000]])
        # Only the title's range: an intro names other periods too ("Vision … 2018-2025").
        match = re.search(r"((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)", plan.plan["title"])
        if match:
            years |= {int(match.group(1)), int(match.group(2))}
        match = re.search(r"frem mod\s+((?:19|20)\d\d)", text) or re.search(r"\bfor\s+((?:19|20)\d\d)\b",
                                                                           plan.plan["title"])
        if match:
            years.add(int(match.group(1)))
        if years:
            plan.plan["period_start"], plan.plan["period_end"] = min(years), max(years)


INITIATIVE_HEADERS = {"initiativ", "projekt", "indsats", "handling"}
MUNICIPALITY_RE = re.compile(r"[\w-]+(?: [\w-]+)? Kommune")
GOAL_RE = re.compile(r"^Mål:?\s+(?=[A-ZÆØÅa-zæøå])")
SENTENCE_STARTS = {"en", "et", "der", "det", "den", "de", "vi", "i", "projektet", "formålet", "målet", "initiativet",
                   "indsatsen", "socialafdelingen", "boområdet", "skabe", "udbyder", "hyppigere"}


def _links_header(text: str) -> bool:
    return "understøtter" in text or "retninger i masterplanen" in text


def _split_title(para: Para) -> tuple[str, str]:
    """The title at the start of an initiative's cell and the text after it. A bold start is the
    title; without one, a short paragraph is all title, and a long one is split where a new sentence
    seems to begin ("Nexus Borger | En portal, der …", "Palliativt projekt | Socialafdelingen …")."""
    text = para.text
    if para.bold and not para.all_bold:
        return para.bold.strip(), text[len(para.bold):].strip() if text.startswith(para.bold) else ""
    text = text.removeprefix("Initiativ ").removeprefix("Projekt ") if re.match(r"(Initiativ|Projekt) [A-ZÆØÅ]", text) \
        else text
    head = text.split(" Mål: ", 1)[0]
    if para.all_bold:
        return head.strip(), text[len(head):].strip()
    short = len(head) <= 120
    words = head.split(" ")
    limit = min(len(words), 10)

    def split(n):
        return " ".join(words[:n]).strip(), " ".join(words[n:]).strip()

    for rule in (
        lambda word, previous: (word[:1].isupper() and word.casefold() in SENTENCE_STARTS)
        or re.fullmatch(r"\d\)", word),
        lambda word, previous: re.fullmatch(r"[A-ZÆØÅ]{2,}", previous) and word[:1].isupper(),
        lambda word, previous: previous[:1].islower() and word[:1].isupper() and not re.search(r"[A-Z]{2}|\d", word),
    )[:1 if short else 3]:  # a short paragraph is split only before a word that starts a sentence
        for n in range(1, limit):
            word, previous = words[n], words[n - 1]
            if word and not previous.endswith((":", "-", "–")) and rule(word, previous):
                return split(n)
    if short:
        return head.strip(), text[len(head):].strip()
    sentence = head.split(". ", 1)[0]
    if len(sentence) <= 200:  # the first sentence, its full stop kept: nothing of the text is lost
        sentence += "." if len(sentence) < len(head) else ""
        return sentence.strip(), text[len(sentence):].strip()
    return " ".join(words[:12]) + " …", text


def recognise(blocks, core_title="") -> WordPlan:
    return Reader(blocks, core_title).read()


def load_docx(fileobj, name: str = "", size: int | None = None) -> WordPlan:
    check_docx(fileobj, name, size)
    return recognise(*read_document(fileobj))


# --- the workbook rows ---------------------------------------------------------------------

LABEL_KEYS = {"direction_label", "direction_label_plural", "initiative_label", "initiative_label_plural"}


def _guess_organization(text: str):
    from masterplan.models import Organization

    counts = {}
    for organization in Organization.objects.all():
        n = text.count(organization.name)
        if n:
            counts[organization] = n
    return max(counts, key=counts.get) if counts else None


def document_text(word: WordPlan) -> str:
    parts = [word.plan.get("title", ""), word.plan.get("intro", ""), *(u.text for u in word.unplaced)]
    for direction in word.directions:
        parts += [str(v) for v in direction.fields.values()]
    return "\n".join(parts)


def default_slug(word: WordPlan) -> str:
    return slugify(word.plan.get("title", ""))[:60].strip("-") or "plan-fra-word"


def to_parsed(word: WordPlan, plan=None, slug: str = "") -> tuple[Parsed, dict]:
    """The workbook rows for `word`, on top of the existing plan's own rows; and where each came from:
    {(sheet, row number): Source}."""
    from masterplan.models import Plan

    from .export import export_rows, plan_values

    parsed, sources = Parsed(), {}
    if plan is not None:
        base_plan = plan_values(plan)
        base_plan.pop("history", None)
        rows = export_rows(plan)
        for title, sheet_rows in rows.items():  # the cells as the export writes them: lists as lines
            lists = [c.key for c in SHEETS[title] if c.kind == "list"]
            for row in sheet_rows:
                for key in lists:
                    row[key] = "\n".join(row[key] or [])
    else:
        defaults = Plan()
        base_plan = {"slug": slug, "published": False, "stale_after_days": defaults.stale_after_days,
                     "direction_label": defaults.direction_label,
                     "direction_label_plural": defaults.direction_label_plural,
                     "initiative_label": defaults.initiative_label,
                     "initiative_label_plural": defaults.initiative_label_plural,
                     "adopted_by": "", "adopted_on": None, "intro": "", "vision": "", "title": ""}
        organization = _guess_organization(document_text(word))
        base_plan["organization"] = organization.slug if organization else None
        rows = {title: [] for title in SHEETS}
    values = dict(base_plan)
    for key, value in word.plan.items():
        if value in ("", None) or (plan is not None and key in LABEL_KEYS):  # a plan keeps the labels it has
            continue
        if key == "period_start" and values.get(key):
            value = min(value, values[key])
        elif key == "period_end" and values.get(key):
            value = max(value, values[key])
        values[key] = value
    values["extract"] = ""
    parsed.plan = values
    parsed.plan_rows = {key: n for n, key in enumerate(values, start=2)}

    def add(sheet, row, source=None):
        number = len(parsed.sheets.setdefault(sheet, [])) + 2
        parsed.sheets[sheet].append((number, row))
        if source is not None:
            sources[(sheet, number)] = source

    for sheet in SHEETS:
        if sheet not in OPTIONAL_SHEETS:  # a Word document says nothing of indicators: they stay as they are
            parsed.sheets[sheet] = []
    directions = {row["number"]: row for row in rows[SHEET_DIRECTIONS]}
    for d in word.directions:
        row = dict(directions.pop(d.number, None) or {c.key: None for c in SHEETS[SHEET_DIRECTIONS]})
        row["number"] = d.number
        for key, value in d.fields.items():
            if value:
                row[key] = "\n".join(value) if isinstance(value, list) else value
        add(SHEET_DIRECTIONS, row, d.source)
    for row in directions.values():
        add(SHEET_DIRECTIONS, row)
    initiatives = {row["number"]: row for row in rows[SHEET_INITIATIVES]}
    covered = {}
    for d in word.directions:
        for i in d.initiatives:
            row = dict(initiatives.pop(i.number, None) or {c.key: None for c in SHEETS[SHEET_INITIATIVES]})
            covered[i.number] = i
            row.update(number=i.number, direction=d.number)
            if not row.get("kind") or row.get("id") is None:
                row["kind"] = i.kind
            for key, value in i.fields.items():
                if value and key in {c.key for c in SHEETS[SHEET_INITIATIVES]}:
                    row[key] = "\n".join(value) if isinstance(value, list) else value
            if i.cross_links is not None:
                row["cross_links"] = ", ".join(str(n) for n in sorted(set(i.cross_links)))
            add(SHEET_INITIATIVES, row, i.source)
    for row in initiatives.values():
        add(SHEET_INITIATIVES, row)
    old_activities = {}
    for row in rows[SHEET_ACTIVITIES]:
        old_activities.setdefault(row["initiative"], []).append(row)
    for number, old in old_activities.items():
        i = covered.get(number)
        years = {a.year for a in i.activities} if i else set()
        for row in old:
            if row["year"] not in years:
                add(SHEET_ACTIVITIES, row)
    for i in covered.values():
        same = {(r["year"], r["period"], r["text"]): r for r in old_activities.get(i.number, [])}
        for a in i.activities:
            row = dict(same.pop((a.year, a.period, a.text), None) or
                       {"responsible": "", "deadline": "", "done": False, "id": None})
            row.update(initiative=i.number, year=a.year, period=a.period, text=a.text)
            add(SHEET_ACTIVITIES, row, a.source)
    # No status rows: an import never deletes status history, and a document has none to add.
    old_budget = {}
    for row in rows[SHEET_BUDGET]:
        old_budget.setdefault(row["initiative"], []).append(row)
    replaced = {i.number for i in covered.values() if i.budget} | ({None} if word.budget else set())
    for owner, old in old_budget.items():
        if owner not in replaced:
            for row in old:
                add(SHEET_BUDGET, row)
    for owner, lines in [(None, word.budget)] + [(i.number, i.budget) for i in covered.values()]:
        same = {(r["year"], r["label"], r["kind"]): r for r in old_budget.get(owner, [])}
        for line in lines:
            row = dict(same.pop((line.year, line.label, line.kind), None) or {"id": None})
            row.update(initiative=owner, year=line.year, amount=line.amount, label=line.label, kind=line.kind)
            add(SHEET_BUDGET, row, line.source)
    return parsed, sources


@dataclass
class WordProblem:
    """A problem the import found, told as where in the document it is."""

    where: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}" if self.where else self.message


def located(problems, sources) -> list[WordProblem]:
    out = []
    for problem in problems:
        source = sources.get((problem.sheet, problem.row))
        where = str(source) if source is not None else (
            _("portalens data (%(sheet)s)") % {"sheet": problem.sheet} if problem.sheet else "")
        message = f"{problem.column}: {problem.message}" if problem.column and problem.sheet != SHEET_PLAN \
            else problem.message
        out.append(WordProblem(where, message))
    return out


class WordImportFailed(Exception):
    def __init__(self, problems, word=None):
        self.problems, self.word = problems, word
        super().__init__("; ".join(str(p) for p in problems[:5]))


def import_word(word: WordPlan, *, plan=None, slug: str = "", user=None, commit: bool = True):
    """Write the recognised plan through the Excel import (validation, all or nothing), audited as "word"."""
    from masterplan.models import Plan

    from .importer import import_plan

    if not word.directions:
        raise WordImportFailed([WordProblem("", _("Dokumentet indeholder ingen retninger eller initiativer, som "
                                                  "portalen kunne genkende. Se listen over det, der ikke kunne "
                                                  "placeres."))], word)
    if plan is None:
        slug = slug or default_slug(word)
        plan = Plan.objects.select_related("organization").filter(slug=slug).first()
    parsed, sources = to_parsed(word, plan, slug)
    try:
        summary = import_plan(parsed, plan=plan, slug=slug, user=user, commit=commit, source="word")
    except ImportFailed as failed:
        raise WordImportFailed(located(failed.problems, sources), word) from None
    return summary


__all__ = ["DOCX_CONTENT_TYPE", "Problem", "WordImportFailed", "WordPlan", "check_docx", "import_word",
           "load_docx", "read_document", "recognise", "to_parsed"]


def outline(word: WordPlan) -> list[str]:
    """What the document was read as, in lines of text (the command's preview)."""
    plan = word.plan
    direction_label = plan.get("direction_label") or _("Retning")
    initiative_label = plan.get("initiative_label") or _("Initiativ")
    lines = [_("Plan: %(title)s (%(start)s–%(end)s); form: %(shape)s") % {
        "title": plan.get("title") or "–", "start": plan.get("period_start", "?"), "end": plan.get("period_end", "?"),
        "shape": word.shape or _("ukendt")}]
    if plan.get("intro"):
        lines.append(_("Indledning: %(text)s") % {"text": _short(plan["intro"])})
    for d in word.directions:
        lines.append(f"{direction_label} {d.number} ({d.source}): {_short(d.fields.get('statement', ''))}")
        for i in d.initiatives:
            extra = []
            if i.activities:
                extra.append(ngettext("%(n)s aktivitet", "%(n)s aktiviteter", len(i.activities)) % {"n": len(i.activities)})
            if i.cross_links:
                extra.append(_("understøtter også %(numbers)s") % {"numbers": ", ".join(map(str, i.cross_links))})
            if i.budget:
                extra.append(ngettext("%(n)s budgetlinje", "%(n)s budgetlinjer", len(i.budget)) % {"n": len(i.budget)})
            lines.append(f"  {initiative_label} {i.number} ({i.source}): {_short(i.title)}"
                         + (f" – {'; '.join(extra)}" if extra else ""))
    if word.budget:
        lines.append(_("Planens budgetlinjer: %(n)s") % {"n": len(word.budget)})
    if word.headings and not word.directions:
        lines.append(_("Overskrifter, der ikke er retninger eller initiativer (%(n)s):") % {"n": len(word.headings)})
        for item in word.headings:
            lines.append(f"  {item.source}: {_short(item.text)}")
    if word.unplaced:
        lines.append(_("Kunne ikke placeres (%(n)s):") % {"n": len(word.unplaced)})
        for item in word.unplaced:
            lines.append(f"  {item.source}: {_short(item.text)}" + (f" ({item.reason})" if item.reason else ""))
    return lines


def _short(text, length=90):
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length - 1] + "…"
