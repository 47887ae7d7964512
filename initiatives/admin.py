from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Activity, AuditEntry, BudgetLine, CrossLink, Initiative, StatusUpdate


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    fields = ["year", "period", "text", "responsible", "deadline", "done", "order"]


class CrossLinkInline(admin.TabularInline):
    model = CrossLink
    extra = 0
    verbose_name = _("understøttet retning")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the directions of the initiative's own plan.
        if db_field.name == "direction":
            initiative_id = request.resolver_match.kwargs.get("object_id")
            if initiative_id:
                from masterplan.models import Direction

                kwargs["queryset"] = Direction.objects.filter(
                    plan__initiatives__pk=initiative_id
                ).select_related("plan")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ["plan", "year", "amount", "label", "kind", "order"]


class StatusUpdateInline(admin.TabularInline):
    model = StatusUpdate
    extra = 0
    fields = ["created_at", "author", "status", "phase", "note"]
    readonly_fields = ["created_at"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "plan", "direction", "status", "phase", "responsible"]
    list_filter = ["plan__organization", "plan", "status", "phase", "kind"]
    search_fields = ["number", "title", "description", "goal", "purpose", "responsible"]
    list_select_related = ["plan", "direction__plan"]
    autocomplete_fields = ["responsible_user"]
    inlines = [ActivityInline, CrossLinkInline, BudgetLineInline, StatusUpdateInline]
    fieldsets = [
        (None, {"fields": ["direction", "number", "kind", "title", "order"]}),
        (_("Indhold"), {"fields": [
            "description", "goal", "purpose", "success_criteria", "expected_outcomes", "actions",
            "follow_up", "deadline",
        ]}),
        (_("Ansvar og økonomi"), {"fields": [
            "responsible", "responsible_user", "start_date", "end_date", "funding_amount", "funding_source",
        ]}),
        (_("Status"), {"fields": ["status", "phase"]}),
    ]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["initiative", "year", "period", "text", "done"]
    list_filter = ["initiative__plan", "year", "period", "done"]
    search_fields = ["text", "responsible", "initiative__title", "initiative__number"]
    list_select_related = ["initiative"]


@admin.register(BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
    list_display = ["plan", "initiative", "year", "label", "amount", "kind"]
    list_filter = ["plan", "kind", "year"]
    search_fields = ["label", "initiative__title"]
    list_select_related = ["plan", "initiative"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ["initiative", "status", "phase", "author", "created_at"]
    list_filter = ["initiative__plan", "status", "phase"]
    search_fields = ["note", "initiative__title", "initiative__number"]
    list_select_related = ["initiative", "author"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The history can be read here, never changed or deleted."""

    list_display = ["timestamp", "user_name", "action", "model", "object_repr", "source"]
    list_filter = ["action", "model", "source"]
    search_fields = ["object_repr", "user_name"]
    date_hierarchy = "timestamp"
    # Newest first by id, which the primary key serves; entries are written in time order.
    ordering = ["-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
