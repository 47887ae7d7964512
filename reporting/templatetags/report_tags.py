"""Template helpers for the report.

Every helper here is linear in the length of its text, and no single word can
cost the PDF renderer more than `MAX_WORD` characters of line breaking: longer
runs without a space get break opportunities (`<wbr>`) every `MAX_WORD`
characters, so a 10,000-character "word" lays out like 170 short ones instead of
making WeasyPrint re-shape the remainder of the word for every line.
"""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from masterplan.templatetags.portal import plaintext

register = template.Library()

# The longest run of characters without a break opportunity that reaches the renderer.
MAX_WORD = 60
# A heading, bookmark or table-of-contents line shows at most this many characters of a
# text; the whole text is printed once in the body (see `report_clip`).
MAX_LINE = 300

# One token of the HTML made by `plaintext`: a tag, or a run of text without spaces.
# Neither alternative can backtrack into the other, so a scan is linear.
_TOKEN = re.compile(r"<[^<>]*>|[^\s<>]+")
# Up to MAX_WORD characters of escaped text, counting an entity (&amp;) as one.
_CHUNK = re.compile(r"(?:&#?\w{1,8};|[^&]|&){1,%d}" % MAX_WORD)
def _keep_hyphenated(html: str) -> str:
    """Keep words with a hard hyphen or slash on one line; break over-long words.

    A line break after a hard hyphen ("recovery-orienteret", "støtte/kontaktpersoner",
    "Social- og", "Social -og") reads as a soft hyphen to text extractors and screen
    readers, which then drop it, so such words (with the word after a suspended
    hyphen) are set in one `nowrap` span. Words longer than MAX_WORD get `<wbr>`
    every MAX_WORD characters instead (they could never fit on a line). One pass
    over the tokens: linear in the length of the text.
    """
    out: list[str] = []
    pending = ""  # a word ending in a hard hyphen, waiting for the word after it
    position = 0
    for match in _TOKEN.finditer(html):
        gap, word = html[position:match.start()], match.group(0)
        position = match.end()
        if pending:
            if gap == " " and word[0] != "<" and len(word) <= MAX_WORD:
                out.append(f'<span class="nowrap">{pending} {word}</span>')
                pending = ""
                continue
            out.append(f'<span class="nowrap">{pending}</span>' if _has_hyphen(pending) else pending)
            pending = ""
        out.append(gap)
        if word[0] == "<":
            out.append(word)
        elif len(word) > MAX_WORD:
            out.append("<wbr>".join(_CHUNK.findall(word)))
        elif len(word) > 1 and word[-1] == "-":
            pending = word
        elif out and out[-1] == " " and word[0] == "-" and len(out) > 1 and _joinable(out[-2]):
            out.pop()  # "Social -og": the word before goes into the span too
            out.append(f'<span class="nowrap">{out.pop()} {word}</span>')
        elif _has_hyphen(word):
            out.append(f'<span class="nowrap">{word}</span>')
        else:
            out.append(word)
    if pending:
        out.append(f'<span class="nowrap">{pending}</span>' if _has_hyphen(pending) else pending)
    out.append(html[position:])
    return "".join(out)


def _has_hyphen(word: str) -> bool:
    inner = word[1:-1]
    return "-" in inner or "/" in inner


def _joinable(previous: str) -> bool:
    return bool(previous) and previous[0] != "<" and "<wbr>" not in previous and len(previous) <= MAX_WORD


@register.filter
def report_text(value, lead="") -> str:
    """`plaintext` (escaped paragraphs and lists), with hyphenated words kept whole.

    `lead` (a title, "1. halvår") is set in bold at the start of the first
    paragraph, as in the Word reports the committee knows, so it reads (and is
    extracted) as one with its text.
    """
    # The markup made by plaintext is only <p>, <ul>, <li> and <br> without attributes.
    html = _keep_hyphenated(plaintext(value))
    if lead:
        strong = format_html('<strong class="report-lead">{}</strong>', mark_safe(_keep_hyphenated(escape(lead))))
        if html.startswith("<p>"):
            html = f"<p>{strong} {html[3:]}"
        else:
            html = f"<p>{strong}</p>{html}"
    return mark_safe(html)


@register.filter
def report_line(value) -> str:
    """One line of escaped text, with hyphenated words kept whole."""
    return mark_safe(_keep_hyphenated(escape(value or "")))


@register.filter
def report_clip(value, limit=MAX_LINE) -> str:
    """At most `limit` characters of a one-line text, cut at a word and ended with "…".

    For headings, bookmarks, the contents and repeated references (the "also
    supports" column), so a very long text is laid out once, not once per mention.
    """
    text = " ".join(str(value or "").split())
    limit = int(limit)
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,.;:–-") + "…"


@register.filter
def row_class(initiative: dict, years: list) -> str:
    """"report-row-long" for a row that may not fit on one page.

    Rows are kept whole on a page (so an initiative never starts as an empty cell
    at the foot of a page); a row estimated at more than about half a page may
    break instead, or it would leave its heading alone on a page. The estimate
    is characters per column width at the PDF's font size.
    """
    year_count = len(years)
    follow_up = initiative.get("follow_up") or {}
    first = (len(initiative.get("title", "")) + len(initiative.get("description", "")) + len(initiative.get("goal", ""))
             + len(follow_up.get("text", "")) + len(follow_up.get("next_steps", "")))
    year_cells = [sum(len(text) for group in cell["groups"] for text in group["items"]) for cell in initiative["years"]]
    per_line_first = 45 if year_count else 110
    per_line_year = {1: 120, 2: 60, 3: 40, 4: 30}.get(year_count, 30)
    lines = max([first / per_line_first] + [chars / per_line_year for chars in year_cells])
    return "report-row-long" if lines > 28 else ""


# The sections layout's page: text lines at its width, and how many of them an effort
# may take before it is allowed to break over a page (about two thirds of a page).
SECTION_LINE = 170
SECTION_KEEP_LINES = 28


def _lines(text: str) -> float:
    return sum(len(part) // SECTION_LINE + 1.4 for part in str(text or "").split("\n") if part.strip())


@register.filter
def section_class(initiative: dict) -> str:
    """"report-initiative-long" for an effort of the sections layout that may break over a
    page; a shorter one is kept whole on one page, so no page starts with the last lines
    of an effort begun on the page before."""
    texts = [initiative.get(key, "") for key in ("description", "goal", "purpose", "implementation", "status_note")]
    texts += [item for key in ("actions", "expected_outcomes", "success_criteria") for item in initiative.get(key) or []]
    follow_up = initiative.get("follow_up") or {}
    texts += [follow_up.get("text", ""), follow_up.get("next_steps", "")]
    texts += [text for cell in initiative.get("years", []) for group in cell["groups"] for text in group["items"]]
    lines = sum(_lines(text) for text in texts) + 4  # title, status and the facts
    fields = sum(1 for key in ("goal", "purpose", "implementation", "actions", "expected_outcomes", "success_criteria")
                 if initiative.get(key)) + sum(1 for cell in initiative.get("years", []) if cell["groups"])
    budget = initiative.get("budget") or {}
    lines += 1.5 * fields + (len(budget.get("rows", [])) * 1.6 + 3 if budget else 0)
    return "report-initiative-long" if lines > SECTION_KEEP_LINES else ""


@register.filter
def direction_href(direction: dict, pages: dict) -> str:
    """The contents' link to a direction: "#retning-N" on the contents' own page (and in the
    PDF, which gives no `pages`), "?side=K#retning-N" to a later preview page."""
    page = (pages or {}).get(direction["number"], 1)
    anchor = f"#retning-{direction['number']}"
    return anchor if page == 1 else f"?side={page}{anchor}"
