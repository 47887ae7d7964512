"""An initiative's lists (success criteria, expected outcomes, concrete actions) are edited
in the browser as text boxes, one point a line, with the model's rules."""

import pytest
from django.test import Client

from initiatives.models import AuditEntry, Initiative
from masterplan.models import LONG_TEXT

pytestmark = pytest.mark.django_db


def post(client, initiative, version=None, **fields):
    data = {"title": initiative.title, "kind": initiative.kind, "version": version or initiative.version, **fields}
    return client.post(f"/initiatives/{initiative.pk}/edit/", data)


def test_lists_are_edited_one_point_a_line(client, editor, initiative):
    initiative.success_criteria = ["Ventetiden er halveret."]
    initiative.save()
    client.force_login(editor)
    page = client.get(f"/initiatives/{initiative.pk}/edit/").content.decode()
    assert "Ét punkt pr. linje." in page and "Ventetiden er halveret.</textarea>" in page
    response = post(client, initiative, success_criteria="Ventetiden er halveret.\n\n  Borgerne er tilfredse.  \n",
                    expected_outcomes="Færre klager", actions="Ny visitation\nFælles skabelon")
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.success_criteria == ["Ventetiden er halveret.", "Borgerne er tilfredse."]
    assert initiative.expected_outcomes == ["Færre klager"]
    assert initiative.actions == ["Ny visitation", "Fælles skabelon"]
    entry = AuditEntry.objects.filter(model="initiative", object_id=str(initiative.pk), action="update").latest("id")
    assert entry.changes["success_criteria"] == [["Ventetiden er halveret."],
                                                 ["Ventetiden er halveret.", "Borgerne er tilfredse."]]
    shown = client.get(initiative.get_absolute_url()).content.decode()
    assert "<li>Borgerne er tilfredse.</li>" in shown and "<li>Fælles skabelon</li>" in shown


def test_a_list_too_long_is_refused_in_danish_and_nothing_is_saved(client, editor, initiative):
    client.force_login(editor)
    response = post(client, initiative, title="Ny titel", actions="x" * (LONG_TEXT + 1))
    assert response.status_code == 422
    assert "Listen er for lang" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title != "Ny titel" and initiative.actions == []


def test_a_stale_list_edit_shows_both_lists_as_text(initiative, editor, org_admin):
    alice, bob = Client(), Client()
    alice.force_login(editor)
    bob.force_login(org_admin)
    assert post(alice, initiative, version=1, actions="Alices handling").status_code == 302
    response = post(bob, Initiative.objects.get(pk=initiative.pk), version=1, actions="Bobs handling\nEn til")
    assert response.status_code == 409
    content = response.content.decode()
    assert "<td>Alices handling</td>" in content and "<td>Bobs handling; En til</td>" in content
    assert Initiative.objects.get(pk=initiative.pk).actions == ["Alices handling"]


# --- a direction's texts ---------------------------------------------------------------------

def direction_post(client, direction, version=None, **fields):
    data = {"statement": direction.statement, "version": version or direction.version, **fields}
    return client.post(f"/plans/testplan/directions/{direction.number}/edit/", data)


def test_an_editor_edits_a_directions_texts_and_lists(client, editor, directions):
    direction = directions[0]
    client.force_login(editor)
    page = client.get(direction.get_absolute_url()).content.decode()
    assert "Redigér teksterne i retningen" in page
    response = direction_post(client, direction, title="Kort titel", goal="Et klart mål.",
                              success_criteria="Ventetiden er halveret.\nFærre klager.", focus_points="Overgange")
    assert response.status_code == 302 and response["Location"] == direction.get_absolute_url()
    direction.refresh_from_db()
    assert (direction.title, direction.goal, direction.version) == ("Kort titel", "Et klart mål.", 2)
    assert direction.success_criteria == ["Ventetiden er halveret.", "Færre klager."]
    assert direction.focus_points == ["Overgange"]
    assert AuditEntry.objects.filter(model="direction", object_id=str(direction.pk), action="update").exists()
    shown = client.get(direction.get_absolute_url()).content.decode()
    assert "Et klart mål." in shown and "<li>Færre klager.</li>" in shown  # not an old cached page


def test_a_direction_without_statement_is_refused_and_a_stale_form_too(client, editor, org_admin, directions):
    direction = directions[0]
    client.force_login(editor)
    response = direction_post(client, direction, statement="")
    assert response.status_code == 422 and "Dette felt er påkrævet." in response.content.decode()
    assert direction_post(client, direction, goal="Første").status_code == 302
    other = Client()
    other.force_login(org_admin)
    response = direction_post(other, direction, version=1, goal="Anden")
    assert response.status_code == 409
    assert "<td>Første</td>" in response.content.decode() and "<td>Anden</td>" in response.content.decode()
    direction.refresh_from_db()
    assert direction.goal == "Første"


def test_readers_see_no_edit_link(client, reader, directions):
    client.force_login(reader)
    assert "Redigér teksterne" not in client.get(directions[0].get_absolute_url()).content.decode()


def test_a_post_without_the_list_fields_keeps_the_lists(client, editor, initiative):
    """An edit page loaded before the lists were on it: its POST has no list fields."""
    initiative.actions = ["Bliver stående"]
    initiative.save()
    client.force_login(editor)
    assert post(client, initiative, title="Ny titel").status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.actions) == ("Ny titel", ["Bliver stående"])
