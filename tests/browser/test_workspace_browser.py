"""A consultant's day in a real browser: status, activity, cross-link, history
(the accessibility sweep of every page is in test_accessibility_browser.py)."""

import re

import pytest

from initiatives.models import Initiative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_konsulent_changes_status_adds_activity_ticks_cross_link_and_sees_history(
        page, live_server, demo, login, assert_accessible):
    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="1.2")  # Nexus Borger
    login("konsulent")
    page.goto(f"{live_server.url}/plans/svendborg-masterplan/")
    page.get_by_role("link", name="Nexus Borger").click()
    page.wait_for_url(f"**/initiatives/{initiative.pk}/")
    assert_accessible()

    # Status with a note (htmx swaps the status section and focuses the confirmation).
    status = page.locator("#status")
    status.get_by_label("Status").select_option("at_risk")
    status.get_by_label("Bemærkning").fill("Kalenderfunktionen er forsinket.")
    status.get_by_role("button", name="Gem status").click()
    confirmation = page.locator("#status .swap-confirmation")
    confirmation.wait_for()
    assert "Status er gemt." in confirmation.inner_text()
    # Focus moves to the confirmation once htmx has settled the swap.
    page.wait_for_function("() => document.activeElement && document.activeElement.classList.contains('swap-confirmation')")
    assert "I gang – risiko" in status.inner_text()

    # An activity in 2025, 2. halvår.
    activities = page.locator("#activities")
    activities.get_by_label("År").select_option("2025")
    activities.get_by_label("Periode").select_option("h2")
    activities.get_by_label("Aktivitet", exact=True).fill("Pilotforløb med Nexus Borger i to tilbud.")
    activities.get_by_role("button", name="Tilføj aktivitet").click()
    page.locator("#activities .swap-confirmation").wait_for()
    assert "Pilotforløb med Nexus Borger i to tilbud." in page.locator("#aar-2025 + ul").inner_text()

    # Tick direction 2 as also supported.
    crosslinks = page.locator("#crosslinks")
    crosslinks.get_by_label(re.compile(r"^2: ")).check()
    crosslinks.get_by_role("button", name="Gem understøttede").click()
    page.locator("#crosslinks .swap-confirmation").wait_for()

    # All three in the history, which htmx updated out of band.
    history = page.locator("#history").inner_text()
    assert "konsulent" in history
    assert "I gang – risiko" in history
    assert "Pilotforløb med Nexus Borger i to tilbud." in history
    assert "1.2 → 2" in history
    assert "Kalenderfunktionen er forsinket." in page.locator(".status-history").inner_text()
    assert_accessible()

    # And it is all still there after a full reload.
    page.reload()
    assert "I gang – risiko" in page.locator("#status").inner_text()
    assert page.locator("#crosslinks").get_by_label(re.compile(r"^2: ")).is_checked()


def test_forms_work_without_javascript(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "konsulent")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="2.2")
    page.goto(f"{live_server.url}/initiatives/{initiative.pk}/")
    page.locator("#status").get_by_label("Status").select_option("on_track")
    page.locator("#status").get_by_role("button", name="Gem status").click()
    page.wait_for_load_state()
    assert "Status er gemt." in page.locator(".messages").inner_text()
    initiative.refresh_from_db()
    assert initiative.status == "on_track"
    context.close()
