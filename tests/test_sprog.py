"""The Danish catalogue follows docs/sprog.md where a machine can tell.

Each check reads the committed Danish catalogue (every user-facing string, since the
Danish text is the msgid) or the templates and code that format dates.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE = BASE_DIR / "locale" / "da" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{[^}]*\}\}")

# Words that are English and not Danish (nor Danish loanwords we use: "status", "plan",
# "budget", "dashboard" is forbidden by the glossary below).
ENGLISH_WORDS = {
    "the", "and", "of", "to", "is", "are", "with", "for", "this", "that", "not", "please", "error",
    "save", "delete", "cancel", "edit", "page", "file", "you", "your", "was", "has", "have", "be",
    "from", "new", "all", "none", "yes", "no", "back", "next", "previous", "search", "login", "logout",
    "click", "here", "select", "choose", "upload", "download", "submit", "required", "invalid",
    "changes", "changed", "created", "updated", "deleted", "by", "on", "at", "or", "an", "it",
}
# Words on the list that are Danish too: "at gemme", "for", "is", "to" (2), "by" (town), "have".
DANISH_TOO = {"at", "for", "is", "to", "by", "have", "login", "it"}  # "login", "it" (IT-afdeling) are in Retskrivningsordbogen

# Plural nouns that follow a number and so need ngettext: "1 dage" is wrong.
COUNTED_PLURALS = (
    "dage", "minutter", "timer", "uger", "måneder", "år", "aktiviteter", "rækker", "ark", "filer",
    "fejl", "ændringer", "nye", "ændrede", "slettede", "initiativer", "retninger", "brugere", "sider",
    "statusopdateringer", "opdateringer", "tegn",
)
# Numbers that are never 1 need no plural form: limits and maxima ("højst 300 tegn").
FIXED_NUMBER = re.compile(r"(højst|mindst|maks\.?|op til)\s+%\(\w+\)s\s+\w+$", re.IGNORECASE)

# docs/sprog.md, section 2 and 3: the forbidden variant and the term to use instead.
FORBIDDEN = {
    r"\bdashboard\w*": "Overblik",
    r"\bIngen status\b": "Ikke vurderet",
    r"\b[Ff]orsinket eller i risiko\b": "I risiko eller forsinket",
    r"\bforældet\b": "uden statusopdatering",
    r"\b[Uu]ploade?\b": "indlæs",
    r"\bLog ud\b": "Log af",
    r"\b[Vv]enligst\b": "(udelad)",
    r"\b[Kk]lik her\b": "(et link, der siger, hvor det fører hen)",
    r"^Nyt? %\(\w+\)s$": "Opret %(noun)s (køn afhænger af planens ord)",
    r"\bGem ændringer\b": "Gem + hvad der gemmes",
    r"åååå-mm-dd": "dd-mm-åååå",
    r"\bvælg fra listen\b": "Vælg en af værdierne på listen",
}


def danish_entries():
    return [e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete and e.msgid]


def texts(entry) -> list[str]:
    return [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])


def test_the_catalogue_is_read():
    assert len(danish_entries()) > 300


def test_no_english_is_left_in_the_danish_texts():
    found = []
    for entry in danish_entries():
        for text in texts(entry):
            words = set(re.findall(r"[A-Za-zæøåÆØÅ]+", PLACEHOLDER.sub(" ", text).lower()))
            english = (words & ENGLISH_WORDS) - DANISH_TOO
            if english:
                found.append(f"{text!r}: {sorted(english)}")
    assert found == []


def test_a_number_before_a_plural_noun_goes_through_ngettext():
    found = []
    for entry in danish_entries():
        if entry.msgid_plural:
            continue
        for match in re.finditer(rf"%\((\w+)\)s\s+({'|'.join(COUNTED_PLURALS)})\b", entry.msgid):
            before = entry.msgid[: match.end()]
            if not FIXED_NUMBER.search(before) and not match.group(1).startswith(("year", "aar")):
                found.append(entry.msgid)
    assert found == []


def test_plural_entries_have_a_singular_and_a_plural_that_differ():
    for entry in danish_entries():
        if entry.msgid_plural:
            assert entry.msgid_plural, entry.msgid
            assert entry.msgstr_plural.get(0) == entry.msgid and entry.msgstr_plural.get(1) == entry.msgid_plural


@pytest.mark.parametrize("pattern", FORBIDDEN)
def test_the_glossarys_forbidden_variants_are_absent(pattern):
    found = [text for entry in danish_entries() for text in texts(entry) if re.search(pattern, text)]
    assert found == [], f"use »{FORBIDDEN[pattern]}«"


def product_files(*suffixes):
    skip = {".venv", "tests", "bench", "static", "staticfiles", "locale", "node_modules", "docs"}
    for path in BASE_DIR.rglob("*"):
        if path.suffix in suffixes and not skip & set(path.relative_to(BASE_DIR).parts):
            yield path


def test_dates_use_the_one_format_from_the_formats_module():
    """No template or code spells out its own date format ("j. M Y"): they use
    DATE_FORMAT / DATETIME_FORMAT from config/formats/da/formats.py."""
    own_format = re.compile(r"""\|date:"(?!DATE_FORMAT"|DATETIME_FORMAT"|SHORT_DATE_FORMAT"|Y")[^"]*"|dateformat\.format\(""")
    found = [f"{path.relative_to(BASE_DIR)}: {m.group(0)}" for path in product_files(".html", ".txt", ".svg", ".py")
             for m in own_format.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_formats_say_what_the_style_sheet_says(settings):
    import datetime

    from django.template import Context, Template
    from django.utils import timezone, translation

    when = timezone.make_aware(datetime.datetime(2026, 12, 1, 8, 51))
    with translation.override("da"):
        out = Template('{{ d|date:"DATE_FORMAT" }} / {{ d|date:"DATETIME_FORMAT" }}').render(Context({"d": when}))
    assert out == "1. december 2026 / 1. december 2026 kl. 08.51"
