"""Theme tables (Familieafdelingen 2018): a goal box ("Overordnet målsætning", "Konkrete
målsætninger" with "Målet er opnået, når …", "Fokuspunkter"), then "Aktivitet | Formål |
Implementering og opfølgning | Ansvarlig" rows, and the rows a page break moved to a table of
their own."""

import re

from django.utils.translation import gettext as _

from .labels import DIRECTION_FIELDS, SENTENCE_END, _continue, _join, _label
from .plan import Source

ACTIVITY_NUMBER_RE = re.compile(r"^aktivitet\s+(\d{1,3})\b[.:]?\s*(.*)$", re.IGNORECASE | re.DOTALL)
TIME_WORDS_RE = re.compile(r"(?:19|20)\d\d|løbende|foråret|efteråret|sommeren|vinteren|ultimo|primo|medio|"
                           r"januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december",
                           re.IGNORECASE)


class ThemeTables:
    """The `Reader`'s part for theme tables; it works on the reader's state (see `Reader.__init__`)."""

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
