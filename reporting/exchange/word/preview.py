"""What the document was read as, in lines of text: the command's preview."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .plan import WordPlan


def outline(word: WordPlan) -> list[str]:
    """What the document was read as, in lines of text (the command's preview)."""
    plan = word.plan
    direction_label = plan.get("direction_label") or _("Retning")
    initiative_label = plan.get("initiative_label") or _("Initiativ")
    lines = [_("Plan: %(title)s (%(start)s–%(end)s); form: %(shape)s") % {
        "title": plan.get("title") or "–", "start": plan.get("period_start", "?"), "end": plan.get("period_end", "?"),
        "shape": word.shape or _("ukendt")}]
    if word.period_note:
        lines.append(word.period_note)
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
