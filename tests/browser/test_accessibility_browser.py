"""WCAG 2.1 AA beyond a single axe run: every main page at 1366 and at 320 CSS px
(reflow without a horizontal page scroll), one h1 and one main landmark read from
the accessibility tree, a skip link that reaches main, and a keyboard-only walk
through the consultant's workflows."""

import datetime

import pytest

from initiatives.models import Initiative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = "/plans/svendborg-masterplan"
PAGES = [
    "/",
    f"{S}/",
    f"{S}/?status=not_assessed&q=nexus",
    f"{S}/directions/2/",
    f"{S}/history/",
    f"{S}/initiatives/new/",
    f"{S}/directions/new/",
    f"{S}/dashboard/",
    f"{S}/dashboard/?direction=2",
    f"{S}/reports/2024/",
    f"{S}/reports/2025/finalise/",
    f"{S}/import/",
    "/plans/svendborg-familie-2018/",
    "/plans/ikast-brande-udviklingsplan/directions/3/",
    "/tilgaengelighed/",
    "/plans/findes-ikke/",
]


def check_page(page, assert_accessible):
    """One page load: axe, landmarks and skip link at 1366 px, then reflow and axe at 320 px."""
    page.set_viewport_size({"width": 1366, "height": 900})
    assert_accessible()
    assert page.get_by_role("main").count() == 1, page.url
    assert page.get_by_role("heading", level=1).count() == 1, page.url
    page.keyboard.press("Tab")  # the skip link is the first thing the keyboard reaches
    skip = page.locator(":focus")
    assert skip.inner_text() == "Gå til sidens indhold", page.url
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)"), page.url

    page.set_viewport_size({"width": 320, "height": 800})
    page.wait_for_function("() => window.innerWidth === 320")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width} px wide at 320 px"
    assert_accessible()


def test_every_main_page_reflows_at_320_px_and_passes_axe_at_both_widths(
        page, live_server, demo, login, assert_accessible):
    page.goto(f"{live_server.url}/accounts/login/")
    check_page(page, assert_accessible)
    login("konsulent")
    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="5.2")
    activity = initiative.activities.first()
    paths = PAGES + [initiative.get_absolute_url(), f"/initiatives/{initiative.pk}/edit/",
                     f"/activities/{activity.pk}/edit/", f"/activities/{activity.pk}/delete/"]
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        check_page(page, assert_accessible)
    # Nyborg's plan has budget lines: the dashboard's budget chart, as its own editor sees it.
    page.context.clear_cookies()
    login("nyborg")
    page.goto(f"{live_server.url}/plans/nyborg-udviklingsplan/dashboard/")
    assert page.locator("svg").count() >= 2
    check_page(page, assert_accessible)


def tab_to(page, selector, limit=150):
    """Press Tab until the element matching `selector` has focus (fails if it is never reached)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the keyboard")


def test_keyboard_only_walk_through_status_activity_and_cross_links(page, live_server, demo, login):
    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="4.1")  # "Ikke vurderet"
    links_before = set(initiative.cross_links.values_list("pk", flat=True))
    login("konsulent")
    page.goto(f"{live_server.url}/plans/svendborg-masterplan/")
    # Filter with the keyboard, then open the initiative from the results.
    tab_to(page, "#id_status")
    page.keyboard.press("ArrowDown")  # "Ikke vurderet"
    page.wait_for_url("**status=**")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    tab_to(page, f"a[href='{initiative.get_absolute_url()}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{initiative.get_absolute_url()}")

    tab_to(page, "#id_status")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # "I gang – på sporet"
    tab_to(page, "#id_note")
    page.keyboard.type("Styregruppen er nedsat.")
    tab_to(page, "#status button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.getAttribute('role') === 'status'")

    # The year starts at this year within the plan's 2024–2027; one step to a neighbouring year.
    default = min(max(datetime.date.today().year, 2024), 2027)
    key, year = ("ArrowUp", default - 1) if default > 2024 else ("ArrowDown", default + 1)
    tab_to(page, "#activities select[name=year]")
    page.keyboard.press(key)
    tab_to(page, "#activities textarea[name=text]")
    page.keyboard.type("Borgerpanel holder første møde.")
    tab_to(page, "#activities button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('#activities')"
                           " && document.activeElement.getAttribute('role') === 'status'")

    tab_to(page, "#crosslinks input[type=checkbox]")
    page.keyboard.press("Space")
    tab_to(page, "#crosslinks button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('#crosslinks')"
                           " && document.activeElement.getAttribute('role') === 'status'")

    initiative.refresh_from_db()
    assert initiative.status == "on_track"
    assert initiative.activities.filter(year=year, text="Borgerpanel holder første møde.").exists()
    assert set(initiative.cross_links.values_list("pk", flat=True)) != links_before
    # The history table scrolls in its own region when it is wider than the screen:
    # at 320 px that region can be reached and is named.
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    region = page.locator("#history .table--responsive-scroll")
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label")


def test_initiative_titles_stay_readable_in_the_plan_tables_at_320_px(page, live_server, demo, login):
    """The plan tables' fixed columns once left a title one letter wide on a phone (portal and public site)."""
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/offentlig/ikast-brande-udviklingsplan/")
    login("konsulent")
    for path in ["/offentlig/ikast-brande-udviklingsplan/", f"{S}/"]:
        page.goto(f"{live_server.url}{path}")
        widths = page.eval_on_selector_all(".table-initiatives td:nth-child(2)",
                                           "cells => cells.map(c => c.getBoundingClientRect().width)")
        assert widths and min(widths) >= 150, (path, min(widths))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, path
    # The plan's links that share a row stand at one height (DKFDS's top margin on all but the first).
    tops = page.eval_on_selector_all(".plan-actions > li", "items => items.map(i => i.getBoundingClientRect().top)")
    assert tops[0] == tops[1], tops[:2]


def test_dashboard_charts_keep_readable_labels_at_320_px(page, live_server, demo, login):
    """The charts once shrank to the phone's width, their labels a few pixels high; now they scroll."""
    login("konsulent")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}{S}/dashboard/")
    width = page.eval_on_selector(".dashboard-chart svg.chart", "svg => svg.getBoundingClientRect().width")
    assert width >= 600, width
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
