"""The recognised plan as the Excel import's `Parsed` rows, and their write.

An existing plan's own rows are the base, so what a document does not say (status, owners,
history, initiatives it leaves out) stays as it is. The write is the Excel import's
(`importer.import_plan`): the same forms, the same all-or-nothing transaction, audited with the
source "word"; its problems are told back as places in the document.
"""

from dataclasses import dataclass

from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..files import ImportFailed, Parsed
from ..workbook import (OPTIONAL_SHEETS, SHEET_ACTIVITIES, SHEET_BUDGET, SHEET_DIRECTIONS, SHEET_INITIATIVES,
                        SHEET_PLAN, SHEETS)
from .plan import WordPlan

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

    from ..export import export_rows, plan_values

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

    from ..importer import import_plan

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
