"""htmx in a real browser: swaps leave the page's header alone, failures show a Danish
message in place, and irreversible actions ask on a page of their own (no JavaScript
needed)."""

import re

import pytest

from initiatives.models import Activity, Initiative
from reporting.models import ReportEdition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW_BUTTONS = "() => document.querySelectorAll('.navigation-menu .more-option').length"


def wait_for_htmx(page, action, url_part):
    """Run `action` and wait until htmx has answered the request and settled the swap."""
    with page.expect_response(lambda r: url_part in r.url and r.request.headers.get("hx-request") == "true"):
        action()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")


def test_five_filter_changes_and_three_saves_leave_one_overflow_button(page, live_server, demo, login):
    login("konsulent")
    plan_url = f"{live_server.url}/plans/svendborg-masterplan/"
    page.goto(plan_url)
    assert page.evaluate(OVERFLOW_BUTTONS) == 1
    filters = page.locator(".filter-form")
    changes = [
        lambda: filters.get_by_label("Status").select_option("not_assessed"),
        lambda: filters.get_by_label("Fase").select_option(index=1),
        lambda: filters.get_by_label("Aktivitet i år").select_option("2025"),
        lambda: filters.get_by_label("Understøtter også").select_option(index=2),
        lambda: filters.get_by_label("Retning").select_option(index=3),
    ]
    for change in changes:
        wait_for_htmx(page, change, "/plans/svendborg-masterplan/")
    assert "status=" in page.url  # the filters went through htmx (pushed URL), not a reload
    assert page.evaluate(OVERFLOW_BUTTONS) == 1

    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="2.1")
    page.goto(f"{live_server.url}{initiative.get_absolute_url()}")
    status = page.locator("#status")
    status.get_by_label("Status").select_option("on_track")
    wait_for_htmx(page, lambda: status.get_by_role("button", name="Gem status").click(), "/status/")
    # The confirmation is announced: a status message that receives focus.
    page.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('role') === 'status'")
    assert "Status er gemt." in page.evaluate("() => document.activeElement.innerText")

    activities = page.locator("#activities")
    activities.get_by_label("År").select_option("2026")
    activities.get_by_label("Aktivitet", exact=True).fill("Evaluering med borgerpanel.")
    wait_for_htmx(page, lambda: activities.get_by_role("button", name="Tilføj aktivitet").click(), "/activities/")
    # The form remembers the year just used, and the activity lands at the end of it.
    assert page.locator("#activities").get_by_label("År").input_value() == "2026"
    assert page.locator("#aar-2026 + ul > li").last.inner_text().startswith("Evaluering med borgerpanel.")

    crosslinks = page.locator("#crosslinks")
    crosslinks.get_by_label(re.compile(r"^3: ")).check()
    wait_for_htmx(page, lambda: crosslinks.get_by_role("button", name="Gem understøttede").click(), "/cross-links/")
    assert page.evaluate(OVERFLOW_BUTTONS) == 1
    # No id twice on the initiative page after the swaps either.
    assert page.evaluate(
        "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
        " return ids.filter((id, i) => ids.indexOf(id) !== i); }"
    ) == []


def test_htmx_404_and_409_are_shown_in_place_in_danish(page, live_server, demo, login, assert_accessible):
    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="1.2")
    first, second = list(initiative.activities.filter(year=2024))[:2]
    login("konsulent")
    page.goto(f"{live_server.url}{initiative.get_absolute_url()}")

    # A colleague deletes the activity while this page is open; moving it is a 404.
    Activity.objects.filter(pk=first.pk).delete()
    item = page.locator(f"#aktivitet-{first.pk}")
    wait_for_htmx(page, lambda: item.get_by_role("button", name=re.compile("^Flyt ned")).click(), "/move/")
    error = page.locator("#htmx-error")
    error.wait_for(state="visible")
    assert "findes ikke længere" in error.inner_text()
    assert "Din handling blev ikke gennemført" in error.inner_text()
    assert page.evaluate("() => document.getElementById('htmx-error').contains(document.activeElement)")
    # Shown just above the section the user acted in, not at the end of the page.
    assert page.evaluate("() => document.getElementById('htmx-error').nextElementSibling.id") == "activities"
    assert_accessible()

    # A colleague saves a status meanwhile; this user's save is refused (409) in place.
    colleague = Initiative.objects.get(pk=initiative.pk)
    colleague.change_status(None, "at_risk", "", "Kollegaens vurdering.")
    status = page.locator("#status")
    status.get_by_label("Status").select_option("done")
    wait_for_htmx(page, lambda: status.get_by_role("button", name="Gem status").click(), "/status/")
    assert page.locator("#htmx-error").is_hidden()  # the old error went away with the new request
    conflict = page.locator("#status [role=alert]")
    assert "Din ændring er ikke gemt" in conflict.inner_text()
    page.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('role') === 'alert'")
    assert "I gang – risiko" in status.inner_text()  # the colleague's status is what is shown
    assert Activity.objects.filter(pk=second.pk).exists()
    assert_accessible()


def test_irreversible_actions_have_confirmation_pages_without_javascript(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "konsulent")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="2.2")
    activity = initiative.activities.first()
    page.goto(f"{live_server.url}{initiative.get_absolute_url()}")
    page.locator(f"#aktivitet-{activity.pk}").get_by_role("link", name=re.compile("^Slet")).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Slet aktivitet"
    assert activity.text[:40] in page.locator("main").inner_text()
    page.get_by_role("link", name="Annullér").click()  # cancelling changes nothing
    assert Activity.objects.filter(pk=activity.pk).exists()
    page.locator(f"#aktivitet-{activity.pk}").get_by_role("link", name=re.compile("^Slet")).click()
    page.get_by_role("button", name="Slet aktiviteten").click()
    assert "Aktiviteten er slettet." in page.locator(".messages").inner_text()
    assert not Activity.objects.filter(pk=activity.pk).exists()

    page.goto(f"{live_server.url}/plans/svendborg-masterplan/reports/2025/")
    page.get_by_role("link", name="Gør endelig …").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Gør opfølgningen endelig"
    assert not ReportEdition.objects.filter(plan__slug="svendborg-masterplan", year=2025, state="final").exists()
    page.get_by_role("button", name="Gør endelig").click()
    assert "gjort endelig" in page.locator(".messages").inner_text()
    assert ReportEdition.objects.filter(plan__slug="svendborg-masterplan", year=2025, state="final").exists()
    context.close()
