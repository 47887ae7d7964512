"""The recognised plan: a tree of directions, initiatives, activities and budget lines, each
with where in the document it came from, and what could not be placed."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .document import Para


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
    # The document names no period (in its title, or "frem mod 2025" in its opening): the
    # period is the years of its activities and budget lines, which may be shorter.
    period_guessed: bool = False

    @property
    def period_note(self) -> str:
        if not self.period_guessed:
            return ""
        return _("Dokumentet nævner ingen periode: %(start)s–%(end)s er årene i dets aktiviteter og budget. "
                 "Gælder planen længere, kan en administrator rette perioden under »Periode og vedtagelse« "
                 "i administrationen.") % {
            "start": self.plan["period_start"], "end": self.plan["period_end"]}

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
