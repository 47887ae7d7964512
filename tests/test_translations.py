"""Danish-first, English on request: the committed message catalogues and the switch.

The English catalogue must cover every translatable string in the code; the last test
re-extracts the strings from a copy of the project and fails on any that are new.
"""

import gettext
import re
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")


# --- a tiny .po reader (stdlib only) ----------------------------------------------------

def _unquote(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s.strip()[1:-1])


def read_po(path):
    """Entries as dicts: msgid, msgid_plural (or None), msgstr (list), flags. Skips the
    header and obsolete (#~) entries."""
    entries, cur, field = [], None, None

    def flush():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if cur is not None and "msgstr" in cur:
                flush()
                cur = None
            cur = cur or {"flags": set(), "msgstr": {}}
            cur["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#") or not line.strip():
            continue
        elif line.startswith('"'):
            key, idx = field
            if idx is None:
                cur[key] += _unquote(line)
            else:
                cur["msgstr"][idx] += _unquote(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgid", "msgctxt") and cur is not None and cur["msgstr"]:
                flush()
                cur = None
            cur = cur or {"flags": set(), "msgstr": {}}
            m = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            if m:
                field = ("msgstr", int(m.group(1) or 0))
                cur["msgstr"][field[1]] = _unquote(rest)
            else:
                field = (keyword, None)
                cur[keyword] = _unquote(rest)
    flush()
    out = []
    for e in entries:
        e.setdefault("msgid_plural", None)
        e["msgstr"] = [e["msgstr"][k] for k in sorted(e["msgstr"])]
        if e["msgid"]:  # skip the header
            out.append(e)
    return out


def placeholders(s):
    return {m.group(0) if not m.group(1) else f"%({m.group(1)}){m.group(2)}" for m in PLACEHOLDER.finditer(s)}


def catalogue_problems(entries):
    problems = []
    for e in entries:
        where = repr(e["msgid"][:60])
        if "fuzzy" in e["flags"]:
            problems.append(f"{where} is fuzzy")
        sources = [e["msgid"]] if e["msgid_plural"] is None else [e["msgid"]] + [e["msgid_plural"]] * (len(e["msgstr"]) - 1)
        for i, (source, target) in enumerate(zip(sources, e["msgstr"])):
            if not target.strip():
                problems.append(f"{where} has no English translation")
            elif e["msgid_plural"] is not None and i == 0 and not placeholders(e["msgid"]) <= placeholders(e["msgid_plural"]):
                # msgfmt checks msgstr[0] against msgid_plural: only its placeholders may be used.
                if not placeholders(target) <= placeholders(e["msgid_plural"]):
                    problems.append(f"{where}: msgstr[0] uses placeholders msgid_plural lacks")
            elif placeholders(source) != placeholders(target):
                problems.append(f"{where}: placeholders {sorted(placeholders(source))} != {sorted(placeholders(target))}")
    return problems


# --- behaviour through HTTP -----------------------------------------------------------------

@pytest.mark.django_db
def test_login_page_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"

    content = client.get("/accounts/login/").content.decode()
    assert '<html lang="en"' in content
    assert "<h1>Log in</h1>" in content
    assert "Log in to see and update your municipality’s plans." in content
    assert "<title>Log in · Masterplan Portal</title>" in content
    assert "Log ind" not in content and "Masterplan-portalen" not in content
    # The footer now offers the way back to Danish.
    assert 'value="da"' in content and ">Dansk<" in content

    client.post("/i18n/setlang/", {"language": "da", "next": "/accounts/login/"})
    content = client.get("/accounts/login/").content.decode()
    assert '<html lang="da"' in content and "<h1>Log ind</h1>" in content


@pytest.mark.django_db
def test_danish_is_the_default_even_for_english_browsers(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da"' in content
    assert "<h1>Log ind</h1>" in content and "Log in to see" not in content
    assert 'value="en"' in content and ">English<" in content


@pytest.mark.django_db
@pytest.mark.parametrize("language, one, many", [
    ("da", "Du har adgang til 1 plan.", "Du har adgang til 2 planer."),
    ("en", "You have access to 1 plan.", "You have access to 2 plans."),
])
def test_plural_forms_in_both_languages(client, reader, plan, org, language, one, many):
    from masterplan.models import Plan

    client.force_login(reader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert one in client.get("/").content.decode()
    Plan.objects.create(organization=org, title="Anden plan", slug="anden", period_start=2024, period_end=2026)
    assert many in client.get("/").content.decode()


# --- the catalogues -----------------------------------------------------------------------

def test_english_catalogue_is_complete_and_keeps_placeholders():
    entries = read_po(LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 400
    assert catalogue_problems(entries) == []


def test_danish_catalogue_fills_plurals_only():
    for e in read_po(LOCALE_DIR / "da" / "LC_MESSAGES" / "django.po"):
        assert "fuzzy" not in e["flags"], e["msgid"]
        if e["msgid_plural"] is None:
            assert e["msgstr"] == [""], e["msgid"]  # Danish is the source: the msgid is the text
        elif placeholders(e["msgid"]) <= placeholders(e["msgid_plural"]):
            assert e["msgstr"] == [e["msgid"], e["msgid_plural"]], e["msgid"]
        else:  # msgfmt would reject the copy; gettext falls back to msgid/msgid_plural
            assert e["msgstr"] == ["", ""], e["msgid"]


@pytest.mark.parametrize("language", ["da", "en"])
def test_compiled_catalogues_match_the_po_files(language):
    """The committed .mo must hold exactly what the .po says (run compilemessages)."""
    po = read_po(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for e in po:
        if e["msgid_plural"] is None:
            want = e["msgstr"][0] or e["msgid"]
            if mo.gettext(e["msgid"]) != want:
                stale.append(e["msgid"])
        else:
            for n, form in ((1, 0), (2, 1)):
                want = e["msgstr"][form] or (e["msgid"] if n == 1 else e["msgid_plural"])
                if mo.ngettext(e["msgid"], e["msgid_plural"], n) != want:
                    stale.append(e["msgid"])
    assert stale == [], "django.mo is out of date; run manage.py compilemessages"
    assert mo.info().get("language") == language


# --- nothing translatable is missing from the English catalogue ---------------------------

# Must match the makemessages command in locale/README.md.
EXTENSIONS = ["html", "txt", "py", "svg"]
IGNORE = [".venv", "tests", "bench", "staticfiles", "static", "media", "*.egg-info", "node_modules", "locale"]
NOT_COPIED = {".git", ".venv", ".pytest_cache", "tests", "bench", "static", "staticfiles", "media", "fixtures",
              "locale", "node_modules", "db.sqlite3"}


def test_every_translatable_string_in_the_code_is_in_the_english_catalogue(tmp_path, monkeypatch):
    """Re-extract into a copy of the project, so the real catalogues are never touched,
    and require every entry of the merged English catalogue to be translated."""
    started = time.monotonic()
    project = tmp_path / "project"
    project.mkdir()
    for item in BASE_DIR.iterdir():
        if item.name in NOT_COPIED or item.name.startswith(".") or item.name.endswith(".egg-info"):
            continue
        if item.is_dir():
            shutil.copytree(item, project / item.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif item.suffix == ".py":
            shutil.copy2(item, project / item.name)
    shutil.copytree(LOCALE_DIR, project / "locale", ignore=shutil.ignore_patterns("*.mo", "*.py", "*.md"))

    monkeypatch.chdir(project)
    with override_settings(LOCALE_PATHS=[project / "locale"]):
        call_command("makemessages", locale=["en"], extensions=EXTENSIONS, ignore_patterns=IGNORE,
                     no_location=True, no_obsolete=True, verbosity=0)

    regenerated = read_po(project / "locale" / "en" / "LC_MESSAGES" / "django.po")
    problems = catalogue_problems(regenerated)
    assert problems == [], (
        "Strings in the code are missing from (or changed in) locale/en; "
        "follow locale/README.md:\n" + "\n".join(problems)
    )
    assert time.monotonic() - started < 20
