"""The paragraph reader: one pass over the blocks, the current direction, initiative and field
deciding where a paragraph goes. Tables go to the shape that knows them (`handleplan`,
`themes`, `budget`); `finish` names the plan's nouns, shape and period."""

import re

from django.utils.translation import gettext as _

from .budget import BudgetTables
from .document import Para, Table
from .handleplan import HandleplanTables
from .labels import DIRECTION_FIELDS, _join, _label
from .plan import Source, Unplaced, WActivity, WDirection, WInitiative, WordPlan, _src
from .themes import ThemeTables

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
ACTIVITY_LINE_RE = re.compile(r"^((?:19|20)\d\d)\s*(?:,\s*)?(?:\(?((?:1|2)\.\s*halvår|[1-4]\.\s*kvartal)\)?)?\s*[:–—-]\s*(.+)$",
                              re.IGNORECASE | re.DOTALL)
LINK_NUMBERS_RE = re.compile(r"(?:retning|spor|fokusområde|tema)?\s*(\d{1,3})", re.IGNORECASE)
SUBHEADINGS = {"handlinger": "handling", "indsatser": "indsats", "initiativer": "initiativ",
               "projekter": "projekt", "aktiviteter": "aktivitet"}
MUNICIPALITY_RE = re.compile(r"[\w-]+(?: [\w-]+)? Kommune")


class Reader(HandleplanTables, ThemeTables, BudgetTables):
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

    # --- tables: which shape a table is (the shapes' own modules read it)

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
        named = False
        match = re.search(r"((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)", plan.plan["title"])
        if match:
            years |= {int(match.group(1)), int(match.group(2))}
            named = True
        match = re.search(r"frem mod\s+((?:19|20)\d\d)", text) or re.search(r"\bfor\s+((?:19|20)\d\d)\b",
                                                                           plan.plan["title"])
        if match:
            years.add(int(match.group(1)))
            named = True
        if years:
            plan.plan["period_start"], plan.plan["period_end"] = min(years), max(years)
            plan.period_guessed = not named


def recognise(blocks, core_title="") -> WordPlan:
    return Reader(blocks, core_title).read()
