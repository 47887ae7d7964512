#!/usr/bin/env python3
"""Small helper for the portal's message catalogues (read and written with polib).

    python locale/po_tool.py check          # exit 1 on any problem (see below)
    python locale/po_tool.py fix-da         # Danish: header + copy plurals into msgstr[0]/[1]
    python locale/po_tool.py fix-headers    # set Language/Plural-Forms, drop the header's fuzzy flag
    python locale/po_tool.py todo           # English entries still to translate, as JSON
    python locale/po_tool.py apply FILE     # fill English msgstr from a JSON file (see README)

`check` fails if, in locale/en: an entry (other than the header) has an empty
msgstr or is marked fuzzy, or a msgstr's placeholders (%(name)s, %s, %%) or HTML
tags/entities differ from its msgid's; in locale/da: a plural entry is not filled
in, a singular one is, or any entry is fuzzy; in both: the header lacks Language or Plural-Forms.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&[#\w]+;")


# --- reading / writing (polib) ---------------------------------------------------------

def load(path: Path) -> polib.POFile:
    return polib.pofile(str(path), wrapwidth=79)


def translations(e: polib.POEntry) -> list[str]:
    if e.msgid_plural:
        return [e.msgstr_plural[k] for k in sorted(e.msgstr_plural)]
    return [e.msgstr]


def write(path: Path, po: polib.POFile) -> None:
    po.save(str(path))
    # Re-wrap the way msgmerge/makemessages do, so later runs give small diffs.
    subprocess.run(["msgcat", "--output-file", str(path), str(path)], check=True)


def unfuzz(e: polib.POEntry) -> None:
    """Drop the fuzzy flag and the "#|" previous-msgid lines of a fixed entry."""
    e.flags = [f for f in e.flags if f != "fuzzy"]
    e.previous_msgid = e.previous_msgid_plural = e.previous_msgctxt = None


# --- header ----------------------------------------------------------------------------

def set_header(po: polib.POFile, language: str) -> None:
    po.metadata["Project-Id-Version"] = "masterplan-portal"
    po.metadata["Language-Team"] = {"da": "Danish", "en": "English"}[language]
    po.metadata["Language"] = language
    po.metadata["Plural-Forms"] = PLURAL_FORMS
    po.metadata_is_fuzzy = False
    po.header = (
        "Message catalogue for the Masterplan portal ("
        + {"da": "Danish, the source language", "en": "English"}[language] + ").\n"
        "Maintained with locale/po_tool.py; see locale/README.md.\n"
    )


# --- checks ----------------------------------------------------------------------------

def placeholders(s: str) -> set[str]:
    return {m.group(0) if not m.group(1) else f"%({m.group(1)}){m.group(2)}" for m in PLACEHOLDER.finditer(s)}


def markup(s: str) -> list[str]:
    return sorted(MARKUP.findall(s))


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def msgfmt_safe(e: polib.POEntry) -> bool:
    """msgfmt checks every msgstr[i] against msgid_plural, so msgid may not use a
    placeholder that msgid_plural lacks (e.g. {{ label }} vs {{ labels }})."""
    return placeholders(e.msgid) <= placeholders(e.msgid_plural)


def live(po: polib.POFile) -> list[polib.POEntry]:
    """The entries in use: polib keeps the header apart; obsolete ones are left out."""
    return [e for e in po if not e.obsolete]


def catalogue_problems(po: polib.POFile, lang: str, where: str = "") -> list[str]:
    """What `check` reports for one catalogue (also used by tests/test_translations.py)."""
    problems = []
    hdr = po.metadata
    if hdr.get("Language") != lang:
        problems.append(f"{where}: header Language is {hdr.get('Language')!r}, want {lang!r}")
    if hdr.get("Plural-Forms") != PLURAL_FORMS:
        problems.append(f"{where}: header Plural-Forms is {hdr.get('Plural-Forms')!r}")
    for e in live(po):
        where = f"{lang}: {e.msgid[:70]!r}"
        if e.fuzzy:
            problems.append(f"{where}: marked fuzzy")
        if lang == "da":
            # Danish is the source: the msgid is the text, plurals copy it (msgfmt permitting).
            want = [""] if not e.msgid_plural else [e.msgid, e.msgid_plural] if msgfmt_safe(e) else ["", ""]
            if translations(e) != want:
                problems.append(f"{where}: Danish msgstr must be {want!r}")
            continue
        sources = [e.msgid] if not e.msgid_plural else [e.msgid] + [e.msgid_plural] * (len(e.msgstr_plural) - 1)
        for i, (source, target) in enumerate(zip(sources, translations(e))):
            if not target.strip():
                problems.append(f"{where}: untranslated")
                continue
            if e.msgid_plural and i == 0 and not msgfmt_safe(e):
                # msgstr[0] may only use msgid_plural's placeholders (msgfmt rule).
                if not placeholders(target) <= placeholders(e.msgid_plural):
                    problems.append(f"{where}: msgstr[0] may only use {sorted(placeholders(e.msgid_plural))}")
            elif placeholders(source) != placeholders(target):
                problems.append(f"{where}: placeholders {sorted(placeholders(source))} != {sorted(placeholders(target))} in {target!r}")
            if markup(source) != markup(target):
                problems.append(f"{where}: markup differs in {target!r}")
    return problems


def check() -> list[str]:
    return [p for lang in ("da", "en") for p in catalogue_problems(load(po_path(lang)), lang, str(po_path(lang)))]


# --- commands --------------------------------------------------------------------------

def fix_headers() -> None:
    for lang in ("da", "en"):
        po = load(po_path(lang))
        set_header(po, lang)
        write(po_path(lang), po)


def fix_da() -> None:
    po = load(po_path("da"))
    set_header(po, "da")
    for e in live(po):
        unfuzz(e)
        if e.msgid_plural:
            # Copy the source forms; where msgfmt would reject the copy (see
            # msgfmt_safe) leave them empty: gettext then falls back to
            # msgid/msgid_plural by n, which is the Danish text anyway.
            e.msgstr_plural = {0: e.msgid, 1: e.msgid_plural} if msgfmt_safe(e) else {0: "", 1: ""}
        else:
            e.msgstr = ""  # Danish is the source language: fall back to the msgid
    write(po_path("da"), po)


def todo() -> None:
    out = []
    for e in live(load(po_path("en"))):
        if e.fuzzy or not all(t.strip() for t in translations(e)):
            item = {"msgid": e.msgid}
            if e.msgid_plural:
                item["msgid_plural"] = e.msgid_plural
            if e.fuzzy:
                item["fuzzy_guess"] = translations(e)
            out.append(item)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


def apply(json_path: str) -> None:
    """JSON: {"msgid": "translation"} or {"msgid": ["singular", "plural"]}."""
    mapping = json.loads(Path(json_path).read_text(encoding="utf-8"))
    po = load(po_path("en"))
    set_header(po, "en")
    used = set()
    for e in live(po):
        if e.msgid not in mapping:
            continue
        used.add(e.msgid)
        value = mapping[e.msgid]
        if e.msgid_plural:
            assert isinstance(value, list) and len(value) == 2, e.msgid
            e.msgstr_plural = {0: value[0], 1: value[1]}
        else:
            assert isinstance(value, str), e.msgid
            e.msgstr = value
        unfuzz(e)
    write(po_path("en"), po)
    unused = set(mapping) - used
    if unused:
        print(f"{len(unused)} translations matched no entry:", *sorted(unused), sep="\n  ", file=sys.stderr)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd = argv[0]
    if cmd == "check":
        problems = check()
        for p in problems:
            print(p)
        en = live(load(po_path("en")))
        for e in en:
            if e.msgid_plural and not msgfmt_safe(e):
                print(f"note (fix in the source): msgid uses placeholders msgid_plural lacks: {e.msgid!r}")
        print(f"{len(en)} entries ({sum(bool(e.msgid_plural) for e in en)} plural); "
              f"{len(problems)} problem(s)")
        return 1 if problems else 0
    if cmd == "fix-da":
        fix_da()
    elif cmd == "fix-headers":
        fix_headers()
    elif cmd == "todo":
        todo()
    elif cmd == "apply":
        apply(argv[1])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
