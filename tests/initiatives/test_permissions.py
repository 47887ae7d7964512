"""The permission matrix: every URL of the workspace, for every kind of user.

Readers and managers read; editors and municipal admins write; an initiative's owner
(tovholder, a reader who is its responsible user) updates its status and activities
only, and an owner of another initiative is a reader here; a user of another
municipality gets 404 for everything of this one (403 for writes once it is published);
anonymous users are sent to login. Every refused write leaves the database as it was.
"""

import pytest
from django.apps import apps
from django.core import serializers

from initiatives.models import Activity, AuditEntry

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "editor", "manager", "org_admin", "outsider", "owner", "other_owner"]
READ_ROLES = ["reader", "manager", "owner", "other_owner"]
WRITE_ROLES = ["editor", "org_admin"]
READ = {"anonymous": 302, "reader": 200, "editor": 200, "manager": 200, "org_admin": 200, "outsider": 404,
        "owner": 200, "other_owner": 200}
WRITE_PAGE = {"anonymous": 302, "reader": 403, "editor": 200, "manager": 403, "org_admin": 200, "outsider": 404,
              "owner": 403, "other_owner": 403}


def write(ok):
    return {"anonymous": 302, "reader": 403, "editor": ok, "manager": 403, "org_admin": ok, "outsider": 404,
            "owner": 403, "other_owner": 403}


def owner_write(ok):
    """What the initiative's owner may do too: its status and activities."""
    return {**write(ok), "owner": ok}


def _owner():
    from tests.conftest import make_user

    return make_user("noegleejer")


def cases(plan, initiative, directions):
    import datetime

    from followup.models import FollowUpRound
    from indicators.models import Indicator, Measurement
    from reporting.models import ApiToken, Feedback, ReportEdition

    deadline = datetime.date.today() + datetime.timedelta(days=10)
    in_review = FollowUpRound.open(plan, 2024, deadline, "", None).requests.get(initiative=initiative)
    in_review.state, in_review.year_text = "submitted", "Indsendt."
    in_review.save()
    waiting = FollowUpRound.open(plan, 2026, deadline, "", None).requests.get(initiative=initiative)
    rounds = f"/plans/{plan.slug}/rounds"
    # The owner's request and its review: its owner and the plan's editors only.
    request_page = {**WRITE_PAGE, "owner": 200}
    owner_post = {"status": "on_track", "phase": "", "year_text": "Nået.", "next_steps": "", "note": "",
                  "new_activity": "", "new_activity_year": 2026, "new_activity_period": "year",
                  "version": waiting.version, "action": "submit"}

    activity = Activity.objects.filter(initiative=initiative).first()
    i, a, slug = initiative.pk, activity.pk, plan.slug
    v = initiative.version
    final = ReportEdition.objects.create(plan=plan, year=2024, title="Opfølgning 2024", state="final", pdf=b"%PDF-1.7")
    reports = f"/plans/{slug}/reports"
    feedback = Feedback.objects.create(initiative=initiative, message="En borgers kommentar.")
    f = feedback.pk
    token, _key = ApiToken.issue(_owner(), "Nøgle")  # someone else's token: 404 to every role
    indicator = Indicator.objects.create(plan=plan, name="Testindikator", unit="antal")
    measurement = Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=3)
    n, m = indicator.pk, measurement.pk
    return {
        "home": ("get", "/", {}, {**READ, "outsider": 200}),
        "plan": ("get", f"/plans/{slug}/", {}, READ),
        "plan filtered": ("get", f"/plans/{slug}/?q=sag&status=not_assessed&year=2025", {}, READ),
        "direction": ("get", f"/plans/{slug}/directions/1/", {}, READ),
        "history": ("get", f"/plans/{slug}/history/", {}, READ),
        "initiative": ("get", f"/initiatives/{i}/", {}, READ),
        "edit form": ("get", f"/initiatives/{i}/edit/", {}, WRITE_PAGE),
        "edit save": ("post", f"/initiatives/{i}/edit/",
                      {"title": "Ny titel", "kind": "initiativ", "version": v}, write(302)),
        "status": ("post", f"/initiatives/{i}/status/", {"status": "on_track", "phase": "", "version": v},
                   owner_write(302)),
        "cross-links": ("post", f"/initiatives/{i}/cross-links/",
                        {"directions": [directions[2].pk], "version": v}, write(302)),
        "activity add": ("post", f"/initiatives/{i}/activities/",
                         {"year": 2025, "period": "year", "text": "Ny aktivitet."}, owner_write(302)),
        "activity form": ("get", f"/activities/{a}/edit/", {}, {**WRITE_PAGE, "owner": 200}),
        "activity save": ("post", f"/activities/{a}/edit/",
                          {"year": 2026, "period": "h2", "text": "Flyttet.", "version": activity.version},
                          owner_write(302)),
        "activity move": ("post", f"/activities/{a}/move/", {"move": "down"}, owner_write(302)),
        "activity delete confirm": ("get", f"/activities/{a}/delete/", {}, {**WRITE_PAGE, "owner": 200}),
        "activity delete": ("post", f"/activities/{a}/delete/", {}, owner_write(302)),
        "new initiative form": ("get", f"/plans/{slug}/initiatives/new/", {}, WRITE_PAGE),
        "new initiative": ("post", f"/plans/{slug}/initiatives/new/",
                           {"direction": directions[1].pk, "number": "2.9", "kind": "initiativ", "title": "Nyt"},
                           write(302)),
        "new direction form": ("get", f"/plans/{slug}/directions/new/", {}, WRITE_PAGE),
        "new direction": ("post", f"/plans/{slug}/directions/new/", {"number": 7, "statement": "En ny retning."},
                          write(302)),
        "direction edit form": ("get", f"/plans/{slug}/directions/1/edit/", {}, WRITE_PAGE),
        "direction edit": ("post", f"/plans/{slug}/directions/1/edit/",
                           {"statement": "Retningen er omformuleret.", "version": 1}, write(302)),
        "dashboard": ("get", f"/plans/{slug}/dashboard/", {}, READ),
        "report preview": ("get", f"{reports}/2025/", {}, READ),
        "report pdf": ("get", f"{reports}/2025/pdf/", {}, {**READ, **{r: 302 for r in WRITE_ROLES + READ_ROLES}}),
        "final edition pdf": ("get", f"{reports}/2024/editions/{final.pk}/pdf/", {}, READ),
        "edition save": ("post", f"{reports}/2025/edition/", {"title": "Opfølgning 2025", "committee": "Udvalget"},
                         write(302)),
        "edition finalise confirm": ("get", f"{reports}/2025/finalise/", {}, WRITE_PAGE),
        "edition finalise": ("post", f"{reports}/2025/finalise/", {}, write(302)),
        "edition new": ("post", f"{reports}/2024/new/", {}, write(302)),
        "excel export": ("get", f"/plans/{slug}/export/", {}, READ),
        "excel template": ("get", f"/plans/{slug}/import/template/", {}, WRITE_PAGE),
        "excel import form": ("get", f"/plans/{slug}/import/", {}, WRITE_PAGE),
        "excel import upload": ("post", f"/plans/{slug}/import/", {}, write(400)),
        "excel import confirm": ("post", f"/plans/{slug}/import/confirm/", {"token": "gættet"}, write(400)),
        "word import form": ("get", f"/plans/{slug}/import/word/", {}, WRITE_PAGE),
        "word import upload": ("post", f"/plans/{slug}/import/word/", {}, write(400)),
        "word import confirm": ("post", f"/plans/{slug}/import/word/confirm/", {"token": "gættet"}, write(400)),
        "excel import status": ("get", f"/plans/{slug}/import/status/", {}, write(400)),  # no upload waiting
        "feedback list": ("get", f"/plans/{slug}/feedback/", {}, WRITE_PAGE),
        "feedback approve": ("post", f"/feedback/{f}/approve/", {"version": feedback.version}, write(302)),
        "feedback answer": ("post", f"/feedback/{f}/answer/", {"answer": "Tak.", "version": feedback.version},
                            write(302)),
        "feedback delete form": ("get", f"/feedback/{f}/delete/", {}, WRITE_PAGE),
        "feedback delete": ("post", f"/feedback/{f}/delete/", {}, write(302)),
        # Everyone logged in has a profile; a token is revoked only by its owner (others 404).
        "profile": ("get", "/accounts/profile/", {}, {**READ, "outsider": 200}),
        "token revoke": ("post", f"/accounts/tokens/{token.pk}/revoke/", {}, {**{r: 404 for r in ROLES}, "anonymous": 302}),
        "round": ("get", f"{rounds}/2025/", {}, READ),
        "round open": ("post", f"{rounds}/2025/open/", {"deadline": deadline.isoformat()}, write(302)),
        "round approve": ("post", f"{rounds}/2024/approve/", {"requests": [in_review.pk]}, write(302)),
        "round missing": ("post", f"{rounds}/2026/missing/", {}, write(302)),
        "request": ("get", f"{rounds}/2026/requests/{waiting.pk}/", {}, request_page),
        "request save": ("post", f"{rounds}/2026/requests/{waiting.pk}/", owner_post, owner_write(302)),
        "request review": ("post", f"{rounds}/2024/requests/{in_review.pk}/review/",
                           {"decision": "approve", "version": in_review.version}, write(302)),
        "my initiatives": ("get", f"/plans/{slug}/mine/", {}, READ),
        # A personal setting: every member sets their own.
        "my reminders": ("post", f"/plans/{slug}/mine/reminders/", {"reminders": "on"},
                         {**READ, **{r: 302 for r in WRITE_ROLES + READ_ROLES}}),
        "indicators": ("get", f"/plans/{slug}/indicators/", {}, READ),
        "indicator": ("get", f"/indicators/{n}/", {}, READ),
        "indicator new form": ("get", f"/plans/{slug}/indicators/new/", {}, WRITE_PAGE),
        "indicator new": ("post", f"/plans/{slug}/indicators/new/", {"name": "Ny", "good_direction": "up"},
                          write(302)),
        "indicator edit form": ("get", f"/indicators/{n}/edit/", {}, WRITE_PAGE),
        "indicator edit": ("post", f"/indicators/{n}/edit/", {"name": "Omdøbt", "good_direction": "up",
                                                              "version": indicator.version}, write(302)),
        "measurement add": ("post", f"/indicators/{n}/measurements/",
                            {"period": "date", "date": "2025-03-31", "value": "4"}, write(302)),
        "measurement csv": ("post", f"/indicators/{n}/measurements/csv/", {"text": "2025-09-30;5"}, write(302)),
        "measurement form": ("get", f"/measurements/{m}/edit/", {}, WRITE_PAGE),
        "measurement save": ("post", f"/measurements/{m}/edit/", {"period": "date", "date": "2025-06-30",
                                                                  "value": "7", "version": measurement.version},
                             write(302)),
        "measurement delete": ("post", f"/measurements/{m}/delete/", {}, write(302)),
    }


CASE_NAMES = [
    "home", "plan", "plan filtered", "direction", "history", "initiative", "edit form", "edit save", "status",
    "cross-links", "activity add", "activity form", "activity save", "activity move", "activity delete confirm", "activity delete",
    "new initiative form", "new initiative", "new direction form", "new direction", "direction edit form",
    "direction edit",
    "dashboard", "report preview", "report pdf", "final edition pdf", "edition save", "edition finalise confirm", "edition finalise",
    "edition new", "excel export", "excel template", "excel import form", "excel import upload",
    "excel import confirm", "word import form", "word import upload", "word import confirm", "feedback list", "feedback approve", "feedback answer", "feedback delete form",
    "feedback delete", "profile", "token revoke",
    "round", "round open", "round approve", "round missing", "request", "request save", "request review", "my initiatives",
    "my reminders",
    "indicators", "indicator", "indicator new form", "indicator new",
    "indicator edit form", "indicator edit", "measurement add", "measurement csv", "measurement form",
    "measurement save", "measurement delete",
]
# Pages anyone may open, logged in or not.
PUBLIC_URL_NAMES = {"login", "logout", "set_language", "password_change", "password_change_done",
                    "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
                    "healthz", "accessibility"}


def database_state() -> dict:
    """Every row of plan data, history and report editions, field by field."""
    models = [model for label in ("masterplan", "initiatives", "reporting")
              for model in apps.get_app_config(label).get_models()]
    return {model._meta.label: serializers.serialize("python", model._base_manager.order_by("pk"))
            for model in models}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASE_NAMES)
def test_permission_matrix(client, request, plan, directions, initiative, case, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    method, url, data, expected = cases(plan, initiative, directions)[case]
    before = database_state()
    response = getattr(client, method)(url, data)
    assert response.status_code == expected[role], response.content.decode()[:500]
    if response.status_code == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if method == "post" and (role == "anonymous" or response.status_code >= 400):
        assert database_state() == before, "a refused write changed the database"


@pytest.mark.parametrize("case", CASE_NAMES)
def test_editor_of_another_municipality_gets_403_writing_to_a_published_plan(
        client, outsider, plan, directions, initiative, case):
    plan.published = True
    plan.save()
    method, url, data, expected = cases(plan, initiative, directions)[case]
    client.force_login(outsider)
    before = database_state()
    response = getattr(client, method)(url, data)
    if expected["reader"] == 403:  # a write (or a write's form): refused, not hidden
        assert response.status_code == 403
        assert database_state() == before
    else:  # a page to read: the published plan is readable by everyone
        assert response.status_code == expected["reader"]


def test_admin_site_writes_are_audited_with_source_admin(client, superuser, initiative):
    client.force_login(superuser)
    activity = initiative.activities.get()
    response = client.post(f"/admin/initiatives/activity/{activity.pk}/change/", {
        "initiative": initiative.pk, "year": 2026, "period": "year", "text": "Ændret i admin", "order": 1,
    })
    assert response.status_code == 302, response.content.decode()[:1000]
    changed = AuditEntry.objects.get(model="activity", object_id=str(activity.pk), action="update")
    assert (changed.source, changed.user, changed.changes["text"][1]) == ("admin", superuser, "Ændret i admin")
    response = client.post(f"/admin/initiatives/activity/{activity.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()
    deleted = AuditEntry.objects.get(model="activity", object_id=str(activity.pk), action="delete")
    assert (deleted.source, deleted.user) == ("admin", superuser)


URL_NAME_OF_CASE = {
    "home": "home", "plan": "plan_detail", "direction": "direction_detail", "history": "plan_history",
    "initiative": "initiative_detail", "edit form": "initiative_edit", "status": "initiative_status",
    "cross-links": "initiative_cross_links", "activity add": "activity_add", "activity form": "activity_edit",
    "activity move": "activity_move", "activity delete": "activity_delete",
    "new initiative form": "initiative_create", "new direction form": "direction_create",
    "direction edit form": "direction_edit",
    "dashboard": "plan_dashboard", "report preview": "report_preview", "report pdf": "report_pdf",
    "final edition pdf": "report_edition_pdf", "edition save": "report_edition_save",
    "edition finalise": "report_edition_finalise", "edition new": "report_edition_new",
    "excel export": "plan_export", "excel template": "plan_import_template", "excel import form": "plan_import",
    "excel import confirm": "plan_import_confirm", "excel import status": "plan_import_status",
    "word import form": "plan_import_word", "word import confirm": "plan_import_word_confirm",
    "feedback list": "feedback_list", "feedback approve": "feedback_approve", "feedback answer": "feedback_answer",
    "feedback delete": "feedback_delete", "profile": "profile", "token revoke": "token_revoke",
    "round": "round_detail", "round open": "round_open", "round approve": "round_approve",
    "round missing": "round_request_missing",
    "request": "request_detail", "request review": "request_review", "my initiatives": "my_initiatives",
    "my reminders": "my_reminders",
    "indicators": "indicator_list", "indicator": "indicator_detail", "indicator new form": "indicator_create",
    "indicator edit form": "indicator_edit", "measurement add": "measurement_add", "measurement csv": "measurement_csv",
    "measurement form": "measurement_edit", "measurement delete": "measurement_delete",
}


def test_every_url_of_the_portal_is_in_the_matrix():
    """A new URL must be added to the matrix above (this fails when one is not)."""
    from django.urls import get_resolver

    def names(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                if pattern.namespace != "admin":  # the admin has its own permission system
                    yield from names(pattern.url_patterns)
            elif pattern.name:
                yield pattern.name

    # The public site and the open data have their own matrix (tests/reporting/test_public.py).
    from tests.reporting.test_public import PUBLIC_SITE_URL_NAMES

    portal = set(names(get_resolver().url_patterns)) - PUBLIC_URL_NAMES - PUBLIC_SITE_URL_NAMES
    assert portal == set(URL_NAME_OF_CASE.values())


@pytest.mark.parametrize("url", ["/initiatives/{i}/status/", "/activities/{a}/move/", "/initiatives/{i}/cross-links/"])
def test_post_only_endpoints_refuse_get(client, editor, initiative, url):
    client.force_login(editor)
    activity = initiative.activities.first()
    assert client.get(url.format(i=initiative.pk, a=activity.pk)).status_code == 405


def test_superuser_reaches_the_admin_and_others_do_not(client, superuser, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 302
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
