"""Indicator pages in a real browser: in-place measurement editing with htmx, the same
forms without JavaScript, and no WCAG violations (axe-core)."""

import pytest

from indicators.models import Indicator, Measurement

pytestmark = pytest.mark.django_db(transaction=True)


def test_konsulent_adds_and_corrects_a_measurement_in_place(page, live_server, demo, login, assert_accessible):
    login("konsulent")
    page.goto(f"{live_server.url}/plans/svendborg-masterplan/indicators/")
    assert_accessible()
    page.get_by_role("link", name="Borgere i KLAP-job").click()
    add = page.locator("#measurements form.measurement-form").first
    add.get_by_label("Periode").select_option("primo")
    add.get_by_label("År").fill("2025")
    add.get_by_label("Værdi").fill("12,5")
    add.get_by_role("button", name="Tilføj måling").click()
    page.locator(".swap-confirmation").wait_for()
    assert "<title>Primo 2025: 12,5</title>" in page.locator("#measurements svg").inner_html()
    assert_accessible()

    page.get_by_role("link", name="Ret Primo 2025").click()
    row = page.locator("tr.editing-row")
    row.get_by_label("Værdi").fill("13")
    row.get_by_role("button", name="Gem rettelse").click()
    page.get_by_text("Målingen for Primo 2025 er rettet.").wait_for()  # the earlier confirmation was replaced
    measurement = Measurement.objects.get(indicator__name="Borgere i KLAP-job")
    assert measurement.value == 13 and measurement.version == 2

    page.goto(f"{live_server.url}/measurements/{measurement.pk}/edit/")
    assert_accessible()
    page.goto(f"{live_server.url}/indicators/{measurement.indicator_id}/edit/")
    assert_accessible()
    page.goto(f"{live_server.url}/plans/svendborg-masterplan/dashboard/")
    assert page.locator("#indicators-heading").is_visible()


def test_measurement_forms_work_without_javascript(browser, live_server, demo):
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "konsulent")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    indicator = Indicator.objects.get(plan__slug="svendborg-masterplan", name="Sygefravær i Socialafdelingen")
    page.goto(f"{live_server.url}{indicator.get_absolute_url()}")
    page.get_by_label("Indsæt målinger").fill("ultimo 2024;8,1\nultimo 2025;7,4")
    page.get_by_role("button", name="Gem serien").click()
    page.wait_for_load_state()
    assert "Målingerne er gemt: 2 nye, 0 rettede." in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Ret Ultimo 2025").click()
    page.get_by_label("Værdi").fill("7,2")
    page.get_by_role("button", name="Gem rettelse").click()
    page.wait_for_load_state()
    assert "Målingen for Ultimo 2025 er rettet." in page.locator(".messages").inner_text()
    assert sorted(str(v.normalize()) for v in indicator.measurements.values_list("value", flat=True)) == ["7.2", "8.1"]
    context.close()
