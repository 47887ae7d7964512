"""Small template helpers shared by every page (and, later, the PDF)."""

import re

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from masterplan.labels import choice_label
from masterplan.text import shorten as shorten_text

register = template.Library()


@register.filter
def shorten(value, limit) -> str:
    """Cut at a word with "…" (never mid-word, as truncatechars does)."""
    return shorten_text(value, int(limit))


@register.filter
def kr(value) -> str:
    """1015699 → "1.015.699 kr." (Danish grouping, whole kroner)."""
    if value in (None, ""):
        return ""
    return f"{number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)} kr."


@register.filter
def plaintext(value) -> str:
    """Render stored plain text: blank lines separate paragraphs, "- " lines form lists.

    Everything is escaped; the only markup is the <p>, <ul> and <li> made here.
    """
    if not value:
        return ""
    blocks = []
    for block in re.split(r"\n\s*\n", str(value).strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        items = [line[2:] for line in lines if line.startswith(("- ", "• "))]
        if lines and len(items) == len(lines):
            blocks.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items))))
        else:
            blocks.append(format_html("<p>{}</p>", mark_safe("<br>".join(escape(line) for line in lines))))
    return mark_safe("".join(blocks))


@register.filter
def display(obj, name: str) -> str:
    """`{{ activity|display:"period" }}`: the choice's label, as `get_period_display` gives it,
    translated once per language (see masterplan.labels)."""
    return choice_label(obj, name)


@register.simple_tag
def history_model(entry, plan=None) -> str:
    """What kind of object a history entry is about, in the plan's own nouns."""
    return entry.model_label(plan or None)


@register.filter
def counted(noun, number) -> str:
    """A plan noun with its number: "1 indsats", "3 indsatser" (masterplan.nouns)."""
    return noun.count(int(number))
