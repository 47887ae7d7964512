"""The public site as a citizen meets it: readable without login, accessible, and the
feedback form usable with the keyboard alone."""

import pytest

from initiatives.models import Initiative
from reporting.public.models import Feedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "ikast-brande-udviklingsplan"  # published in the demo


def test_a_citizen_reads_the_published_plan_and_sends_a_comment(page, live_server, demo, assert_accessible):
    initiative = Initiative.objects.filter(plan__slug=SLUG).order_by("direction__number", "order", "id").first()
    for width in (1366, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for path in (f"/offentlig/{SLUG}/", f"/offentlig/{SLUG}/retninger/1/",
                     f"/offentlig/{SLUG}/initiativer/{initiative.pk}/", "/offentlig/privatliv/"):
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1
            assert page.locator("main").count() == 1
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (path, width)
            assert_accessible()

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/offentlig/{SLUG}/initiativer/{initiative.pk}/")
    page.get_by_role("link", name="Skriv en kommentar").click()
    page.get_by_label("Din kommentar").fill("Godt at I inddrager borgerne.")
    page.keyboard.press("Tab")
    page.get_by_label("Dit navn").fill("Eksempel Borger")
    page.get_by_role("button", name="Send kommentar").click()  # without consent
    assert page.get_by_text("Sæt flueben for at bekræfte").is_visible()
    assert_accessible()
    page.get_by_label("Jeg har læst").check()
    page.get_by_role("button", name="Send kommentar").click()
    page.wait_for_url("**/kommentar/tak/")
    assert page.get_by_role("heading", name="Tak for din kommentar").is_visible()
    assert Feedback.objects.get().message == "Godt at I inddrager borgerne."
    assert_accessible()
