"""Handleplan tables (Svendborg): one table per initiative with a row "Initiativ | Aktiviteter …
| Retninger i masterplanen, som projektet også understøtter", years in a header row above,
"1. halvår"/"2. halvår" activities, cross-links written "N: statement", and the rows a page
break split stitched back together."""

import re

from django.utils.translation import gettext as _

from .document import Para
from .labels import SENTENCE_END, _continue, _join, _label
from .plan import Source, WActivity

YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
PERIOD_RE = re.compile(r"^(1|2)\.\s*halvår\b[:.]?\s*|^([1-4])\.\s*kvartal\b[:.]?\s*|^Q([1-4])\b[:.]?\s*",
                       re.IGNORECASE)
LINK_RE = re.compile(r"^(?:(?:retning|spor|fokusområde|tema)\s+)?(\d{1,3})\s*[:.–—-]", re.IGNORECASE)
INITIATIVE_HEADERS = {"initiativ", "projekt", "indsats", "handling"}
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


class HandleplanTables:
    """The `Reader`'s part for handleplan tables; it works on the reader's state (see `Reader.__init__`)."""

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
