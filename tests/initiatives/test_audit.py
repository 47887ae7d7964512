"""Every write to plan data lands in the audit log with old and new values."""

import pytest

from initiatives.audit import audit_context
from initiatives.models import Activity, AuditEntry, CrossLink

pytestmark = pytest.mark.django_db


def test_update_records_each_changed_field_with_old_and_new_value(initiative, editor):
    with audit_context(editor, "web"):
        initiative.title = "Nye sagsbehandlingstider"
        initiative.status = "on_track"
        initiative.save()
    entry = AuditEntry.objects.filter(model="initiative", action="update").get()
    assert entry.user == editor and entry.user_name == editor.username and entry.source == "web"
    assert entry.changes == {
        "title": ["Sagsbehandlingstider", "Nye sagsbehandlingstider"],
        "status": ["not_assessed", "on_track"],
    }
    assert entry.initiative_pk == initiative.pk and entry.plan_pk == initiative.plan_id


def test_saving_without_changes_records_nothing(initiative):
    before = AuditEntry.objects.count()
    initiative.save()
    assert AuditEntry.objects.count() == before


def test_create_and_delete_are_recorded_and_survive_the_object(initiative):
    activity = Activity.objects.create(initiative=initiative, year=2026, text="Evaluering.")
    activity_pk = activity.pk
    activity.delete()
    entries = AuditEntry.objects.filter(model="activity", object_id=str(activity_pk)).order_by("id")
    assert [e.action for e in entries] == ["create", "delete"]
    assert entries[1].changes["text"] == ["Evaluering.", None]


def test_cross_links_added_through_the_related_manager_are_recorded(initiative, directions):
    initiative.cross_links.add(directions[2])
    entry = AuditEntry.objects.filter(model="crosslink", action="create").latest("id")
    assert entry.changes == {"direction_id": [None, directions[2].pk]}
    assert CrossLink.objects.filter(initiative=initiative, direction=directions[2]).exists()


def test_audit_entries_cannot_be_changed_in_the_admin(client, superuser, initiative):
    client.force_login(superuser)
    entry = AuditEntry.objects.first()
    assert client.get(f"/admin/initiatives/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/initiatives/auditentry/{entry.pk}/change/", {"user_name": "x"}).status_code == 403


def test_report_editions_are_audited_without_their_pdf(plan, editor):
    from reporting.models import ReportEdition

    with audit_context(editor, "web"):
        edition = ReportEdition.unsaved_default(plan, 2025)
        edition.save()
        edition.finalise({"plan": "frosset"}, "abc123", user=editor)
    entries = AuditEntry.objects.filter(model="reportedition", object_id=str(edition.pk)).order_by("id")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["state"] == ["draft", "final"]
    assert "snapshot" not in entries[1].changes and "pdf" not in entries[0].changes
    assert entries[1].plan_pk == plan.pk and entries[1].user == editor


def test_history_page_names_where_a_write_came_from_in_danish(client, editor, initiative):
    """Users read "(demodata)", "(indlæst fra Excel)", not the command names behind them."""
    with audit_context(None, "load_demo"):
        initiative.title = "Fra demodata"
        initiative.save()
    with audit_context(None, "import"):
        initiative.title = "Fra Excel"
        initiative.save()
    client.force_login(editor)
    page = client.get(f"/plans/{initiative.plan.slug}/history/").content.decode()
    assert "(demodata)" in page and "(indlæst fra Excel)" in page
    assert "load_demo" not in page and "(import)" not in page


def test_budget_lines_are_named_with_danish_amounts_in_the_history(initiative):
    from decimal import Decimal

    from initiatives.models import BudgetLine

    line = BudgetLine.objects.create(plan=initiative.plan, initiative=initiative, year=2025, label="Handleplan",
                                     amount=Decimal("25000000"))
    assert AuditEntry.objects.get(model="budgetline").object_repr == "2025 Handleplan: 25.000.000 kr."
    line.amount = Decimal("1015699.50")
    assert str(line) == "2025 Handleplan: 1.015.699,50 kr."


def test_a_plans_latest_change_is_read_in_its_own_query_also_as_a_subquery(plan, initiative, other_org):
    """`last_change_of()` names the query's own plan row, whatever alias the plan table has."""
    from masterplan.models import Organization, Plan
    from initiatives.audit import last_change, last_change_of

    quiet = Plan.objects.create(organization=other_org, title="Uden ændringer", slug="stille",
                                period_start=2024, period_end=2026)
    AuditEntry.objects.filter(plan_pk=quiet.pk).delete()
    newest = AuditEntry.objects.filter(plan_pk=plan.pk).order_by("-id").values_list("id", flat=True)[0]
    assert Plan.objects.annotate(last_change=last_change_of()).get(pk=plan.pk).last_change == newest == last_change(plan)
    assert Plan.objects.annotate(last_change=last_change_of()).get(pk=quiet.pk).last_change is None
    changed = Plan.objects.annotate(last_change=last_change_of()).filter(last_change__isnull=False)
    assert list(Organization.objects.filter(plans__in=changed).distinct()) == [plan.organization]
    with pytest.raises(ValueError):
        list(Organization.objects.annotate(last_change=last_change_of()))
