#!/usr/bin/env python3
"""Small helper for the portal's message catalogues (stdlib only).

    python locale/po_tool.py check          # exit 1 on any problem (see below)
    python locale/po_tool.py fix-da         # Danish: header + copy plurals into msgstr[0]/[1]
    python locale/po_tool.py fix-headers    # set Language/Plural-Forms, drop the header's fuzzy flag
    python locale/po_tool.py todo           # English entries still to translate, as JSON
    python locale/po_tool.py apply FILE     # fill English msgstr from a JSON file (see README)

`check` fails if, in locale/en: an entry (other than the header) has an empty
msgstr or is marked fuzzy, or a msgstr's placeholders (%(name)s, %s, %%) or HTML
tags/entities differ from its msgid's; in locale/da: a plural entry is not filled
in, or any entry is fuzzy; in both: the header lacks Language or Plural-Forms.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|&[#\w]+;")


# --- parsing / writing ---------------------------------------------------------------

def _unquote(s: str) -> str:
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    s = s[1:-1]
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(escapes.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


class Entry:
    def __init__(self):
        self.comments: list[str] = []  # raw comment lines other than flags
        self.flags: list[str] = []
        self.obsolete_lines: list[str] = []  # "#~" lines, kept verbatim
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr = ""
        self.msgstr_plural: dict[int, str] = {}

    @property
    def obsolete(self) -> bool:
        return bool(self.obsolete_lines) and not self.msgid

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[k] for k in sorted(self.msgstr_plural)]
        return [self.msgstr]


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    cur = Entry()
    field = None  # (name, index)

    def flush():
        nonlocal cur
        if cur.msgid or cur.msgstr or cur.obsolete_lines or cur.comments or cur.flags or entries == [] and field:
            entries.append(cur)
        cur = Entry()

    seen_msgid = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip("\n")
        if not line.strip():
            if seen_msgid or cur.obsolete_lines:
                flush()
                seen_msgid = False
                field = None
            continue
        if seen_msgid and (line.startswith("#") or line.startswith("msgctxt")) and field and field[0].startswith("msgstr"):
            flush()  # entries not separated by a blank line
            seen_msgid = False
            field = None
        if line.startswith("#~"):
            cur.obsolete_lines.append(line)
        elif line.startswith("#,"):
            cur.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
        elif line.startswith("#"):
            cur.comments.append(line)
        elif line.startswith('"'):
            name, idx = field
            value = _unquote(line)
            if name == "msgstr" and idx is not None:
                cur.msgstr_plural[idx] += value
            else:
                setattr(cur, name, getattr(cur, name) + value)
        else:
            keyword, _, rest = line.partition(" ")
            m = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if m:
                field = ("msgstr", int(m.group(1)))
                cur.msgstr_plural[field[1]] = _unquote(rest)
            elif keyword in ("msgid", "msgid_plural", "msgstr", "msgctxt"):
                field = (keyword, None)
                setattr(cur, keyword, _unquote(rest))
                if keyword == "msgid":
                    seen_msgid = True
            else:
                raise ValueError(f"{path}: cannot parse line {line!r}")
    flush()
    return entries


def _emit(keyword: str, value: str) -> list[str]:
    if "\n" in value[:-1]:
        parts = value.splitlines(keepends=True)
        return [f'{keyword} ""'] + [_quote(p) for p in parts]
    return [f"{keyword} {_quote(value)}"]


def write(path: Path, entries: list[Entry]) -> None:
    blocks = []
    for e in entries:
        lines = list(e.comments)
        if e.flags:
            lines.append("#, " + ", ".join(e.flags))
        if e.obsolete:
            lines += e.obsolete_lines
        else:
            if e.msgctxt is not None:
                lines += _emit("msgctxt", e.msgctxt)
            lines += _emit("msgid", e.msgid)
            if e.msgid_plural is not None:
                lines += _emit("msgid_plural", e.msgid_plural)
                for k in sorted(e.msgstr_plural):
                    lines += _emit(f"msgstr[{k}]", e.msgstr_plural[k])
            else:
                lines += _emit("msgstr", e.msgstr)
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    # Re-wrap the way msgmerge/makemessages do, so later runs give small diffs.
    subprocess.run(["msgcat", "--output-file", str(path), str(path)], check=True)


# --- header ----------------------------------------------------------------------------

def set_header(entries: list[Entry], language: str) -> None:
    header = entries[0]
    assert header.msgid == "", "first entry must be the header"
    fields = {"Language": language, "Plural-Forms": PLURAL_FORMS}
    lines = header.msgstr.splitlines()
    for key, value in fields.items():
        for i, line in enumerate(lines):
            if line.startswith(key + ":"):
                lines[i] = f"{key}: {value}"
                break
        else:
            lines.append(f"{key}: {value}")
    lines = [
        "Project-Id-Version: masterplan-portal" if l.startswith("Project-Id-Version:") else
        "Language-Team: " + {"da": "Danish", "en": "English"}[language] if l.startswith("Language-Team:") else l
        for l in lines
    ]
    header.msgstr = "\n".join(lines) + "\n"
    header.flags = [f for f in header.flags if f != "fuzzy"]
    header.comments = [
        "# Message catalogue for the Masterplan portal ("
        + {"da": "Danish, the source language", "en": "English"}[language] + ").",
        "# Maintained with locale/po_tool.py; see locale/README.md.",
        "#",
    ]


def header_fields(entries: list[Entry]) -> dict[str, str]:
    out = {}
    for line in entries[0].msgstr.splitlines():
        key, _, value = line.partition(":")
        out[key.strip()] = value.strip()
    return out


# --- checks ----------------------------------------------------------------------------

def placeholders(s: str) -> set[str]:
    return {m.group(0) if not m.group(1) else f"%({m.group(1)}){m.group(2)}" for m in PLACEHOLDER.finditer(s)}


def markup(s: str) -> list[str]:
    return sorted(MARKUP.findall(s))


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def msgfmt_safe(e: Entry) -> bool:
    """msgfmt checks every msgstr[i] against msgid_plural, so msgid may not use a
    placeholder that msgid_plural lacks (e.g. {{ label }} vs {{ labels }})."""
    return placeholders(e.msgid) <= placeholders(e.msgid_plural)


def live(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries[1:] if not e.obsolete]


def check() -> list[str]:
    problems = []
    for lang in ("da", "en"):
        path = po_path(lang)
        entries = parse(path)
        hdr = header_fields(entries)
        if hdr.get("Language") != lang:
            problems.append(f"{path}: header Language is {hdr.get('Language')!r}, want {lang!r}")
        if hdr.get("Plural-Forms") != PLURAL_FORMS:
            problems.append(f"{path}: header Plural-Forms is {hdr.get('Plural-Forms')!r}")
        for e in live(entries):
            where = f"{lang}: {e.msgid[:70]!r}"
            if e.fuzzy:
                problems.append(f"{where}: marked fuzzy")
            if lang == "da":
                if e.msgid_plural is not None:
                    want = [e.msgid, e.msgid_plural] if msgfmt_safe(e) else ["", ""]
                    if e.translations() != want:
                        problems.append(f"{where}: Danish plural msgstr[0]/[1] must be {want!r}")
                continue
            sources = [e.msgid] if e.msgid_plural is None else [e.msgid] + [e.msgid_plural] * (len(e.msgstr_plural) - 1)
            for i, (source, target) in enumerate(zip(sources, e.translations())):
                if not target.strip():
                    problems.append(f"{where}: untranslated")
                    continue
                if e.msgid_plural is not None and i == 0 and not msgfmt_safe(e):
                    # msgstr[0] may only use msgid_plural's placeholders (msgfmt rule).
                    if not placeholders(target) <= placeholders(e.msgid_plural):
                        problems.append(f"{where}: msgstr[0] may only use {sorted(placeholders(e.msgid_plural))}")
                elif placeholders(source) != placeholders(target):
                    problems.append(f"{where}: placeholders {sorted(placeholders(source))} != {sorted(placeholders(target))} in {target!r}")
                if markup(source) != markup(target):
                    problems.append(f"{where}: markup differs in {target!r}")
    return problems


# --- commands --------------------------------------------------------------------------

def fix_headers() -> None:
    for lang in ("da", "en"):
        entries = parse(po_path(lang))
        set_header(entries, lang)
        write(po_path(lang), entries)


def fix_da() -> None:
    entries = parse(po_path("da"))
    set_header(entries, "da")
    for e in live(entries):
        e.flags = [f for f in e.flags if f != "fuzzy"]
        e.comments = [c for c in e.comments if not c.startswith("#|")]
        if e.msgid_plural is not None:
            # Copy the source forms; where msgfmt would reject the copy (see
            # msgfmt_safe) leave them empty: gettext then falls back to
            # msgid/msgid_plural by n, which is the Danish text anyway.
            e.msgstr_plural = {0: e.msgid, 1: e.msgid_plural} if msgfmt_safe(e) else {0: "", 1: ""}
        else:
            e.msgstr = ""  # Danish is the source language: fall back to the msgid
    write(po_path("da"), entries)


def todo() -> None:
    out = []
    for e in live(parse(po_path("en"))):
        if e.fuzzy or not all(t.strip() for t in e.translations()):
            item = {"msgid": e.msgid}
            if e.msgid_plural is not None:
                item["msgid_plural"] = e.msgid_plural
            if e.fuzzy:
                item["fuzzy_guess"] = e.translations()
            out.append(item)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


def apply(json_path: str) -> None:
    """JSON: {"msgid": "translation"} or {"msgid": ["singular", "plural"]}."""
    mapping = json.loads(Path(json_path).read_text(encoding="utf-8"))
    entries = parse(po_path("en"))
    set_header(entries, "en")
    used = set()
    for e in live(entries):
        if e.msgid not in mapping:
            continue
        used.add(e.msgid)
        value = mapping[e.msgid]
        if e.msgid_plural is not None:
            assert isinstance(value, list) and len(value) == 2, e.msgid
            e.msgstr_plural = {0: value[0], 1: value[1]}
        else:
            assert isinstance(value, str), e.msgid
            e.msgstr = value
        e.flags = [f for f in e.flags if f != "fuzzy"]
        e.comments = [c for c in e.comments if not c.startswith("#|")]
    write(po_path("en"), entries)
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
        en = live(parse(po_path("en")))
        for e in en:
            if e.msgid_plural is not None and not msgfmt_safe(e):
                print(f"note (fix in the source): msgid uses placeholders msgid_plural lacks: {e.msgid!r}")
        print(f"{len(en)} entries ({sum(e.msgid_plural is not None for e in en)} plural); "
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
