"""What an import found and did, sheet by sheet: for the preview, the command and the message."""

import difflib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from masterplan.models import Plan


@dataclass
class Change:
    """A changed row and the columns that changed in it: (header, old, new)."""

    label: str
    fields: list = field(default_factory=list)

    def __str__(self):
        return f"{self.label} ({', '.join(h for h, _old, _new in self.fields)})" if self.fields else self.label


class Label:
    """A row's label, made only when shown: the preview lists a few rows of thousands."""

    __slots__ = ("func", "obj")

    def __init__(self, func, obj):
        self.func, self.obj = func, obj

    def __str__(self):
        return self.func(self.obj)


@dataclass
class Conflict:
    """A row the file would change (or delete) although it was changed in the portal after the export."""

    key: str  # "model:pk", what the user ticks to overwrite
    sheet: str
    label: str
    who: str
    when: object
    fields: list = field(default_factory=list)
    chosen: bool = False


@dataclass
class Changes:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    reordered: int = 0  # rows matched whose place in the file differs from the portal's order

    def __bool__(self):
        return bool(self.new or self.changed or self.removed)


@dataclass
class Summary:
    plan: Plan
    created_plan: bool
    sheets: dict  # sheet title → Changes
    conflicts: list = field(default_factory=list)
    kept: list = field(default_factory=list)  # admin-only fields left as they are: (header, portal, file)
    file_order: bool = False

    def frozen(self) -> "Summary":
        """The same summary with every row's label made (labels are otherwise made only when
        shown, from the objects), so it can be kept for the preview and confirmation."""
        def rows(items):
            return [item if isinstance(item, (Change, str)) else str(item) for item in items]

        sheets = {title: Changes(rows(c.new), rows(c.changed), rows(c.removed), c.reordered)
                  for title, c in self.sheets.items()}
        return Summary(plan=self.plan, created_plan=self.created_plan, sheets=sheets,
                       conflicts=list(self.conflicts), kept=list(self.kept), file_order=self.file_order)

    @property
    def has_changes(self) -> bool:
        return self.created_plan or any(self.sheets.values())

    @property
    def reordered(self) -> int:
        return 0 if self.file_order else sum(c.reordered for c in self.sheets.values())

    def lines(self) -> list[str]:
        """"Initiativer: 1 ny, 2 ændrede, 0 slettede" per sheet."""
        return [_("%(sheet)s: %(new)s, %(changed)s, %(removed)s") % {
            "sheet": title,
            "new": ngettext("%(count)s ny", "%(count)s nye", len(c.new)) % {"count": len(c.new)},
            "changed": ngettext("%(count)s ændret", "%(count)s ændrede", len(c.changed)) % {"count": len(c.changed)},
            "removed": ngettext("%(count)s slettet", "%(count)s slettede", len(c.removed)) % {"count": len(c.removed)},
        } for title, c in self.sheets.items()]


def out_of_order(ranks: list) -> int:
    """How many rows are not where the portal's order has them (rows in file order, by their
    portal rank): all but the longest run already in order."""
    if not ranks:
        return 0
    matcher = difflib.SequenceMatcher(a=sorted(ranks), b=ranks, autojunk=False)
    return len(ranks) - sum(block.size for block in matcher.get_matching_blocks())
