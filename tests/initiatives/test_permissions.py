"""The permission matrix: every URL of the workspace, for every kind of user.

Readers and managers read; editors and municipal admins write; a user of another
municipality gets 404 for everything of this one; anonymous users are sent to login.
"""

import pytest

from initiatives.models import Activity

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "editor", "manager", "org_admin", "outsider"]
READ = {"anonymous": 302, "reader": 200, "editor": 200, "manager": 200, "org_admin": 200, "outsider": 404}
WRITE_PAGE = {"anonymous": 302, "reader": 403, "editor": 200, "manager": 403, "org_admin": 200, "outsider": 404}


def write(ok):
    return {"anonymous": 302, "reader": 403, "editor": ok, "manager": 403, "org_admin": ok, "outsider": 404}


def cases(plan, initiative, directions):
    activity = Activity.objects.filter(initiative=initiative).first()
    i, a, slug = initiative.pk, activity.pk, plan.slug
    v = initiative.version
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
                   write(302)),
        "cross-links": ("post", f"/initiatives/{i}/cross-links/",
                        {"directions": [directions[2].pk], "version": v}, write(302)),
        "activity add": ("post", f"/initiatives/{i}/activities/",
                         {"year": 2025, "period": "year", "text": "Ny aktivitet."}, write(302)),
        "activity form": ("get", f"/activities/{a}/edit/", {}, WRITE_PAGE),
        "activity save": ("post", f"/activities/{a}/edit/",
                          {"year": 2026, "period": "h2", "text": "Flyttet.", "version": activity.version}, write(302)),
        "activity move": ("post", f"/activities/{a}/move/", {"move": "down"}, write(302)),
        "activity delete": ("post", f"/activities/{a}/delete/", {}, write(302)),
        "new initiative form": ("get", f"/plans/{slug}/initiatives/new/", {}, WRITE_PAGE),
        "new initiative": ("post", f"/plans/{slug}/initiatives/new/",
                           {"direction": directions[1].pk, "number": "2.9", "kind": "initiativ", "title": "Nyt"},
                           write(302)),
        "new direction form": ("get", f"/plans/{slug}/directions/new/", {}, WRITE_PAGE),
        "new direction": ("post", f"/plans/{slug}/directions/new/", {"number": 7, "statement": "En ny retning."},
                          write(302)),
    }


CASE_NAMES = [
    "home", "plan", "plan filtered", "direction", "history", "initiative", "edit form", "edit save", "status",
    "cross-links", "activity add", "activity form", "activity save", "activity move", "activity delete",
    "new initiative form", "new initiative", "new direction form", "new direction",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASE_NAMES)
def test_permission_matrix(client, request, plan, directions, initiative, case, role):
    method, url, data, expected = cases(plan, initiative, directions)[case]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url, data)
    assert response.status_code == expected[role], response.content.decode()[:500]
    if response.status_code == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_every_workspace_url_is_in_the_matrix():
    """A new URL must be added to the matrix above (this fails when one is not)."""
    from initiatives import urls

    covered = {"initiative_detail", "initiative_edit", "initiative_status", "initiative_cross_links",
               "activity_add", "activity_edit", "activity_delete", "activity_move", "initiative_create",
               "plan_history", "plan_detail", "direction_create", "direction_detail"}
    assert {p.name for p in urls.urlpatterns} == covered


@pytest.mark.parametrize("url", ["/initiatives/{i}/status/", "/activities/{a}/delete/", "/initiatives/{i}/cross-links/"])
def test_post_only_endpoints_refuse_get(client, editor, initiative, url):
    client.force_login(editor)
    activity = initiative.activities.first()
    assert client.get(url.format(i=initiative.pk, a=activity.pk)).status_code == 405


def test_superuser_reaches_the_admin_and_others_do_not(client, superuser, editor):
    client.force_login(editor)
    assert client.get("/admin/").status_code == 302
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
