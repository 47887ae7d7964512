"""Danish-first, English on request: the committed message catalogues and the switch.

The English catalogue must cover every translatable string in the code; the last test
re-extracts the strings from a copy of the project and fails on any that are new.
"""

import gettext
import importlib.util
import shutil
import time
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"


# --- the catalogues, read with polib and checked by locale/po_tool.py -------------------

def _po_tool():
    spec = importlib.util.spec_from_file_location("po_tool", LOCALE_DIR / "po_tool.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


po_tool = _po_tool()


def catalogue(language, locale_dir=LOCALE_DIR):
    return polib.pofile(str(locale_dir / language / "LC_MESSAGES" / "django.po"))


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
def test_an_english_request_leaves_the_thread_danish(client):
    """A visitor's language lasts for their request only: what runs next in the same thread
    (the next request, a task, a message built outside a request) speaks Danish again."""
    from django.utils import translation

    client.cookies["django_language"] = "en"
    assert "<h1>Log in</h1>" in client.get("/accounts/login/").content.decode()
    assert translation.get_language() == "da"
    assert str(_lazy_danish()) == "Log ind"


def _lazy_danish():
    from django.utils.translation import gettext_lazy

    return gettext_lazy("Log ind")


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
    po = catalogue("en")
    assert len(po) > 400
    assert po_tool.catalogue_problems(po, "en") == []


def test_danish_catalogue_fills_plurals_only():
    assert po_tool.catalogue_problems(catalogue("da"), "da") == []


@pytest.mark.parametrize("language", ["da", "en"])
def test_compiled_catalogues_match_the_po_files(language):
    """The committed .mo must hold exactly what the .po says (run compilemessages)."""
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo", "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for e in po_tool.live(catalogue(language)):
        if not e.msgid_plural:
            got = mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt else mo.gettext(e.msgid)
            if got != (e.msgstr or e.msgid):
                stale.append(e.msgid)
            continue
        for n, form, fallback in ((1, 0, e.msgid), (2, 1, e.msgid_plural)):
            if mo.ngettext(e.msgid, e.msgid_plural, n) != (e.msgstr_plural[form] or fallback):
                stale.append(e.msgid)
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

    problems = po_tool.catalogue_problems(catalogue("en", project / "locale"), "en")
    assert problems == [], (
        "Strings in the code are missing from (or changed in) locale/en; "
        "follow locale/README.md:\n" + "\n".join(problems)
    )
    assert time.monotonic() - started < 20
