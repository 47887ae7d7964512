"""The follow-up round in a real browser, the whole cycle: the consultant opens it, the
owner follows the link in their mail, reports and submits, the consultant sends it
back with a comment, the owner resubmits, the consultant approves; the year's report
shows the approved text and the dashboard the round's progress. Every page passes
axe-core's WCAG 2.1 A/AA rules."""

import datetime
import re

import pytest
from asgiref.local import Local
from django.core import mail
from django.tasks import task_backends

from followup.models import UpdateRequest
from initiatives.models import Initiative

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PLAN = "/plans/svendborg-masterplan"


def _reset_task_backends():
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def mails_at_once(settings, live_server):
    """The mail task runs in the request (no worker), and links point at the live server."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "reports"]}}
    settings.PORTAL_BASE_URL = live_server.url
    _reset_task_backends()
    yield
    _reset_task_backends()


def log_in(page, username):
    """Log in on the login page the browser is on (after following a link, or at /accounts/login/)."""
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def links_in(message):
    return re.findall(r"https?://\S+", message.body)


def test_the_whole_follow_up_cycle(page, live_server, demo, mails_at_once, assert_accessible):
    initiative = Initiative.objects.get(plan__slug="svendborg-masterplan", number="1.2")  # Nexus Borger
    deadline = datetime.date.today() + datetime.timedelta(days=21)

    # 1. konsulent opens the 2025 round.
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, "konsulent")
    page.goto(f"{live_server.url}{PLAN}/")
    page.get_by_role("link", name="Opfølgningsrunde 2025").click()
    page.wait_for_url(f"**{PLAN}/rounds/2025/")
    assert_accessible()
    page.get_by_label("Frist for tovholderne").fill(deadline.isoformat())
    page.get_by_label("Besked til tovholderne").fill("Skriv kort, hvad der er nået i 2025.")
    page.get_by_role("button", name="Åbn opfølgningsrunde 2025").click()
    page.wait_for_url(f"**{PLAN}/rounds/2025/")
    assert "er åbnet med 26 indberetninger" in page.locator(".messages").inner_text()
    assert "0 af 26 indberetninger er inde" in page.inner_text("main")
    assert_accessible()

    # 2. tovholder's mail arrives, with a link to each of their three initiatives.
    (opened,) = [m for m in mail.outbox if m.to == ["tovholder@example.invalid"]]
    assert "Skriv kort, hvad der er nået i 2025." in opened.body
    request = UpdateRequest.objects.get(initiative=initiative, round__year=2025)
    link = next(url for url in links_in(opened) if url.endswith(f"/requests/{request.pk}/"))
    assert link.startswith(f"{live_server.url}{PLAN}/")

    # 3. tovholder follows the link, logs in, fills in and submits.
    page.context.clear_cookies()
    page.goto(link)
    log_in(page, "tovholder")
    page.wait_for_url(link)
    assert_accessible()
    form = page.locator("form.edit-form")
    form.get_by_label("Status", exact=True).select_option("on_track")
    form.get_by_label("Fase").select_option("implementation")
    form.get_by_label("Status for 2025: hvad er nået").fill("Kalenderfunktionen er i brug i to tilbud.")
    form.get_by_label("Næste skridt").fill("Udrulning til alle tilbud i 2026.")
    form.get_by_label(re.compile("kalenderfunktionen i Nexus påbegyndes")).check()
    form.get_by_role("button", name="Indsend til konsulenten").click()
    page.wait_for_url(f"**{PLAN}/rounds/2025/")
    assert "Din indberetning for 1.2 er sendt til konsulenten." in page.locator(".messages").inner_text()
    assert "Indsendt" in page.locator("tr", has_text="Nexus Borger").inner_text()

    # 4. konsulent sends it back with a comment.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{PLAN}/rounds/2025/")
    log_in(page, "konsulent")
    page.wait_for_url(f"**{PLAN}/rounds/2025/")
    page.get_by_label("Tilstand").select_option("submitted")
    # The filter swaps the table in with htmx and pushes its URL: click in the new table, not
    # in the old one as it is replaced (which lost the click now and then).
    page.wait_for_url(re.compile(r"[?&]state=submitted"))
    page.get_by_role("link", name="Nexus Borger").click()
    page.wait_for_url(link)
    assert "Ingen godkendt indberetning fra 2024." in page.inner_text("aside")
    assert_accessible()
    page.get_by_label("Kommentar til tovholderen").fill("Skriv gerne, hvor mange borgere der bruger den.")
    page.get_by_role("button", name="Send retur med kommentar").click()
    page.wait_for_url(f"**{PLAN}/rounds/2025/")
    returned = [m for m in mail.outbox if m.subject.startswith("Din indberetning til opfølgning 2025 er sendt retur")]
    assert len(returned) == 1 and "hvor mange borgere" in returned[0].body

    # 5. tovholder follows the new mail's link and resubmits.
    page.context.clear_cookies()
    page.goto(links_in(returned[0])[0])
    log_in(page, "tovholder")
    page.wait_for_url(link)
    assert "hvor mange borgere" in page.locator(".alert-warning").inner_text()
    form = page.locator("form.edit-form")
    form.get_by_label("Status for 2025: hvad er nået").fill(
        "Kalenderfunktionen er i brug i to tilbud og bruges af 140 borgere.")
    form.get_by_role("button", name="Indsend til konsulenten").click()
    page.wait_for_url(f"**{PLAN}/rounds/2025/")

    # 6. konsulent approves.
    page.context.clear_cookies()
    page.goto(link)
    log_in(page, "konsulent")
    page.wait_for_url(link)
    page.get_by_role("button", name="Godkend", exact=True).click()
    page.wait_for_url(f"**{PLAN}/rounds/2025/")
    assert "1.2 er godkendt" in page.locator(".messages").inner_text()
    initiative.refresh_from_db()
    assert initiative.status == "on_track"

    # 7. The 2025 report shows the approved text and next steps.
    page.goto(f"{live_server.url}{PLAN}/reports/2025/")
    report = page.locator(".report").inner_text()
    assert "Status 2025: Kalenderfunktionen er i brug i to tilbud og bruges af 140 borgere." in report
    assert "Næste skridt: Udrulning til alle tilbud i 2026." in report

    # 8. The dashboard shows the round's progress.
    page.goto(f"{live_server.url}{PLAN}/dashboard/")
    round_box = page.locator(".dashboard-round").inner_text()
    assert "Opfølgningsrunde 2025" in round_box and "godkendt af 26" in round_box
    assert_accessible()


def test_owner_pages_without_javascript_and_accessible(browser, live_server, demo, mails_at_once):
    """The owner's form works as a plain form; their own page lets them turn reminders off."""
    from followup.models import FollowUpRound
    from django.contrib.auth import get_user_model

    konsulent = get_user_model().objects.get(username="konsulent")
    FollowUpRound.open(Initiative.objects.get(plan__slug="svendborg-masterplan", number="1.2").plan, 2025,
                       datetime.date.today() + datetime.timedelta(days=7), "", konsulent)
    request = UpdateRequest.objects.get(initiative__number="2.2", round__plan__slug="svendborg-masterplan")
    context = browser.new_context(java_script_enabled=False, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server.url}{PLAN}/rounds/2025/requests/{request.pk}/")
    log_in(page, "tovholder")
    page.get_by_label("Status for 2025: hvad er nået").fill("Projektet er i gang.")
    page.get_by_role("button", name="Gem kladde").click()
    page.wait_for_load_state()
    assert "Kladden er gemt." in page.locator(".messages").inner_text()
    request.refresh_from_db()
    assert request.state == "draft" and request.year_text == "Projektet er i gang."
    page.goto(f"{live_server.url}{PLAN}/mine/")
    page.get_by_label("send mig påmindelser").uncheck()
    page.get_by_role("button", name="Gem indstilling").click()
    page.wait_for_load_state()
    assert "Påmindelser er slået fra." in page.locator(".messages").inner_text()
    context.close()


def test_round_pages_have_no_wcag_violations(page, live_server, demo, login, assert_accessible):
    login("tovholder")
    for path in [f"{PLAN}/mine/", f"{PLAN}/rounds/2025/"]:
        page.goto(f"{live_server.url}{path}")
        assert_accessible()
