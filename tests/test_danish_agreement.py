"""Danish sentences agree with each plan's own nouns.

Every demo plan calls its directions and initiatives something else ("Spor" is
neuter, "Indsats" common gender, "Tema" neuter, "Handling" common gender), so a
sentence that glues "Ny"/"denne"/"-en" onto a label goes wrong for some plan.
These tests crawl every kind of page of every demo plan as each demo user who may
see it, and look in the visible text for noun phrases that disagree with the plan's
labels.
"""

import html
import io
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from masterplan.models import Plan
from masterplan.nouns import COMMON, NEUTER, Noun, known_forms

DEMO_USERS = ["admin", "konsulent", "leder", "politiker", "nyborg"]
# Words that must agree in gender with the noun that follows them.
DETERMINERS = {
    COMMON: ["en", "den", "denne", "ny", "ingen", "hvilken", "sin egen", "din egen", "anden", "enhver"],
    NEUTER: ["et", "det", "dette", "nyt", "intet", "hvilket", "sit eget", "dit eget", "andet", "ethvert"],
}
# Pages that are files, not text, or that change data on GET never happen; skip files.
SKIP = re.compile(r"/(export|pdf)/|/accounts/logout/")
PAGES_PER_KIND = 2  # every kind of page; this many of each kind per plan and user


def visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    # Attributes a person meets too: titles, labels, confirm texts, alt texts.
    attributes = " ".join(re.findall(r'(?:aria-label|title|alt|hx-confirm|placeholder)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes)


def disagreements(text: str, noun: Noun) -> list[str]:
    """Noun phrases in `text` whose article, pronoun or ending does not fit `noun`."""
    found = []
    wrong_gender = NEUTER if noun.gender == COMMON else COMMON
    word = re.escape(noun.singular)
    for determiner in DETERMINERS[wrong_gender]:
        if determiner == "ingen" and noun.plural == noun.singular:
            continue  # "ingen spor" is the plural
        # "en spor" is wrong, "en sporskifte" is another word: whole words only.
        found += re.findall(rf"(?i)(?<![\w-]){determiner}\s+{word}(?![\w-])", text)
    # Endings glued onto the label ("fokusområdeet", "sporen") instead of the stored forms.
    for ending in ("en", "et", "n", "t", "ene", "erne"):
        form = noun.singular + ending
        if form not in {noun.definite, noun.plural, noun.plural_definite}:
            found += re.findall(rf"(?i)(?<![\w-]){re.escape(form)}(?![\w-])", text)
    # The capitalised label inside a sentence: "disse Retninger", "alle Spor".
    for label in {noun.label, noun.label_plural}:
        found += re.findall(rf"\b(?:disse|alle|de|andre|flere|ingen|nye)\s+{re.escape(label)}\b", text)
    return found


def test_the_checker_sees_the_mistakes_the_portal_used_to_make():
    spor = Noun("Spor", "Spor", NEUTER, "sporet", "sporene")
    fokus = Noun("Fokusområde", "Fokusområder", NEUTER, "fokusområdet", "fokusområderne")
    indsats = Noun("Indsats", "Indsatser", COMMON, "indsatsen", "indsatserne")
    assert disagreements("Ny spor", spor) == ["Ny spor"]
    assert disagreements("Ingen indsatser under denne spor.", spor) == ["denne spor"]
    assert disagreements("Retninger, som fokusområdeet også understøtter", fokus) == ["fokusområdeet"]
    assert disagreements("Nyt indsats", indsats) == ["Nyt indsats"]
    assert disagreements("Understøtter også disse Spor", spor) == ["disse Spor"]
    assert disagreements("Opret spor · dette spor · sporet · sporene · et sporskifte", spor) == []
    assert disagreements("Opret indsats · en indsats · denne indsats · indsatsen", indsats) == []


def test_known_nouns_give_every_form():
    assert known_forms("Fokusområde") == ("et", "fokusområdet", "fokusområder", "fokusområderne")
    assert known_forms("Spor")[0] == NEUTER and known_forms("Indsats")[0] == COMMON


def test_demo_plans_carry_the_right_forms_of_their_labels(db):
    call_command("load_demo", stdout=io.StringIO())
    for plan in Plan.objects.all():
        for noun in (plan.direction_noun, plan.initiative_noun):
            gender, definite, plural, plural_definite = known_forms(noun.label)
            assert (noun.gender, noun.definite, noun.plural, noun.plural_definite) == (
                gender, definite, plural, plural_definite), plan.slug
    # Familie 2018's initiatives have activities of their own: they are not "Aktivitet".
    familie = Plan.objects.get(slug="svendborg-familie-2018")
    assert familie.initiative_label == "Tiltag"


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(client, start: str, plan: Plan):
    """Every page reachable from the plan page that belongs to this plan."""
    own = re.compile(rf"^/plans/{re.escape(plan.slug)}/|^/initiatives/\d+/|^/activities/\d+/")
    initiative_ids = {str(pk) for pk in plan.initiatives.values_list("pk", flat=True)}
    queue, seen, kinds = [start], {start}, Counter()
    while queue:
        path = queue.pop(0)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if not response["Content-Type"].startswith("text/html"):
            continue  # the Excel template and other files
        page = response.content.decode()
        yield path, page
        for href in re.findall(r'href="([^"#]+)"', page):
            link = html.unescape(href)
            parts = urlsplit(link)
            target = parts.path
            if parts.query or parts.netloc or target in seen or SKIP.search(target) or not own.match(target):
                continue
            number = re.match(r"^/initiatives/(\d+)/", target)
            if number and number.group(1) not in initiative_ids:
                continue
            seen.add(target)
            if kinds[kind_of(target)] < PAGES_PER_KIND:
                kinds[kind_of(target)] += 1
                queue.append(target)


def data_texts(plan: Plan) -> str:
    """The plan's own texts from the seeds: a phrase found there was not made by us."""
    parts = [plan.title, plan.intro, plan.vision]
    for direction in plan.directions.all():
        parts += [direction.title, direction.statement, direction.goal, direction.purpose, direction.description,
                  *direction.success_criteria, *direction.focus_points]
    for initiative in plan.initiatives.prefetch_related("activities"):
        parts += [initiative.title, initiative.description, initiative.goal, initiative.purpose,
                  initiative.follow_up, initiative.deadline, initiative.responsible,
                  *initiative.success_criteria, *initiative.expected_outcomes, *initiative.actions,
                  *(activity.text for activity in initiative.activities.all())]
    return " ".join(" ".join(parts).split()).casefold()  # spaced as the pages' texts are compared


def test_no_page_of_any_demo_plan_disagrees_with_its_labels(client, db):
    """Each demo user, each plan they may see, every kind of page (a few of each)."""
    from django.contrib.auth import get_user_model

    call_command("load_demo", stdout=io.StringIO())
    problems = []
    for username in DEMO_USERS:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        plans = list(Plan.objects.visible_to(user))
        assert plans, username
        for plan in plans:
            seeds, pages = data_texts(plan), 0
            for path, page in crawl(client, plan.get_absolute_url(), plan):
                pages += 1
                text = visible_text(page)
                for noun in (plan.direction_noun, plan.initiative_noun):
                    problems += [f"{username} {path}: »{phrase}«" for phrase in disagreements(text, noun)
                                 if phrase.casefold() not in seeds]
            # plan, overview, history, report, directions, initiatives, …
            assert pages >= 8, (username, plan.slug, pages)
    assert problems == [], "\n".join(problems)


def test_excel_round_trip_keeps_the_labels_grammar_and_old_files_get_it_from_the_label(db, tmp_path):
    import openpyxl

    from reporting.exchange.export import SHEET_PLAN

    call_command("load_demo", "--no-users", stdout=io.StringIO())
    path = tmp_path / "ikast.xlsx"
    call_command("export_plan", "ikast-brande-udviklingsplan", str(path), stdout=io.StringIO())
    rows = {row[0]: row[1] for row in openpyxl.load_workbook(path)[SHEET_PLAN].iter_rows(values_only=True)}
    assert (rows["Køn for retning (en/et)"], rows["Retning i bestemt form"]) == ("et", "sporet")
    assert (rows["Køn for initiativ (en/et)"], rows["Initiativer i bestemt form flertal"]) == ("en", "indsatserne")

    # An edited form in the file is imported; a file without the grammar rows (exported
    # before they existed) gets the forms of its label instead of an error.
    wb = openpyxl.load_workbook(path)
    sheet = wb[SHEET_PLAN]
    for row in sheet.iter_rows():
        if row[0].value == "Retning i bestemt form":
            row[1].value = "spor-et"
    wb.save(path)
    call_command("import_plan", str(path), "--plan", "ikast-brande-udviklingsplan", stdout=io.StringIO())
    assert Plan.objects.get(slug="ikast-brande-udviklingsplan").direction_label_definite == "spor-et"

    # A fresh export (an older file would now conflict with the import just made).
    call_command("export_plan", "ikast-brande-udviklingsplan", str(path), stdout=io.StringIO())
    wb = openpyxl.load_workbook(path)
    sheet = wb[SHEET_PLAN]
    for number in reversed([row[0].row for row in sheet.iter_rows() if "bestemt form" in str(row[0].value)
                            or "Køn for" in str(row[0].value)]):
        sheet.delete_rows(number)
    wb.save(path)
    call_command("import_plan", str(path), "--plan", "ikast-brande-udviklingsplan", stdout=io.StringIO())
    plan = Plan.objects.get(slug="ikast-brande-udviklingsplan")
    assert (plan.direction_noun.definite, plan.direction_noun.gender, plan.initiative_noun.definite) == (
        "sporet", NEUTER, "indsatsen")


GENERIC_WORDS = re.compile(r"(?i)(?<![\w-])(initiativ(?:et|er|erne)?|retning(?:en|er|erne)?)(?![\w-])")
# The Word import names the headings it recognises in any plan's words ("»Retning 1: …«").
QUOTED = re.compile(r"»[^«]*«")


def generic_words(page: str, seeds: str) -> list[str]:
    """"initiativ"/"retning" in a page's own texts (not the plan's data), with their text."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    found = []
    for node in re.findall(r">([^<]+)<", page):
        text = " ".join(html.unescape(node).split())
        if text and text.casefold() not in seeds:
            found += [f"{word} in »{text}«" for word in GENERIC_WORDS.findall(QUOTED.sub("", text))]
    return found


@pytest.mark.parametrize("username, slug", [("nyborg", "nyborg-udviklingsplan"),
                                            ("konsulent", "svendborg-familie-2018")])
def test_plans_with_their_own_nouns_never_say_initiativ_or_retning(client, db, username, slug):
    """Nyborg has "fokusområder" and "handlinger", Familie 2018 "temaer" and "tiltag": the
    portal's own sentences, headings and links use those, on every kind of page."""
    from django.contrib.auth import get_user_model

    call_command("load_demo", stdout=io.StringIO())
    client.force_login(get_user_model().objects.get(username=username))
    plan = Plan.objects.get(slug=slug)
    seeds, problems = data_texts(plan), []
    for path in [plan.get_absolute_url(), f"/plans/{slug}/mine/", f"/plans/{slug}/import/word/",
                 f"/plans/{slug}/rounds/{plan.report_year()}/"]:
        for page_path, page in crawl(client, path, plan):
            problems += [f"{page_path}: {problem}" for problem in generic_words(page, seeds)]
    assert problems == [], "\n".join(sorted(set(problems)))
