from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AccessibilityStatement, Direction, Membership, Organization, Plan

# The administrators' pages carry the portal's name, not "Django administration".
admin.site.site_header = _("Masterplan-portalen – administration")
admin.site.site_title = _("Masterplan-portalen")
admin.site.index_title = _("Administration")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "organization__name"]
    autocomplete_fields = ["user", "organization"]


class DirectionInline(admin.StackedInline):
    model = Direction
    extra = 0
    fields = ["number", "title", "statement", "goal", "order"]
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "period_start", "period_end", "published"]
    list_filter = ["organization", "published"]
    search_fields = ["title", "slug", "intro"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [DirectionInline]
    fieldsets = [
        (None, {"fields": ["organization", "title", "slug", "published"]}),
        (_("Periode og vedtagelse"), {"fields": ["period_start", "period_end", "adopted_on", "adopted_by"]}),
        (_("Opfølgning"), {"fields": ["stale_after_days"]}),
        (_("Offentligt site og åbne data"), {"fields": ["public_responsible", "public_budget"]}),
        (_("Tekster"), {"fields": ["intro", "vision"]}),
        (_("Betegnelser"), {"fields": [
            ("direction_label", "direction_label_gender"),
            ("direction_label_definite", "direction_label_plural", "direction_label_plural_definite"),
            ("initiative_label", "initiative_label_gender"),
            ("initiative_label_definite", "initiative_label_plural", "initiative_label_plural_definite"),
        ], "description": _("Planens egne ord for retning og initiativ i alle former, så sætningerne "
                            "bøjer dem rigtigt: fx »et spor«, »sporet«, »spor«, »sporene«.")}),
    ]


@admin.register(Direction)
class DirectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "number", "order"]
    list_filter = ["plan__organization", "plan"]
    search_fields = ["statement", "title", "goal", "description"]
    list_select_related = ["plan"]
    ordering = ["plan", "order", "number"]


@admin.register(AccessibilityStatement)
class AccessibilityStatementAdmin(admin.ModelAdmin):
    """One statement per installation: it can be added once and then only changed."""

    fieldsets = [
        (_("Kontakt"), {"fields": ["authority", "contact_email", "contact_phone", "response_time"]}),
        (_("Overholdelse og kendte problemer"), {"fields": ["compliance", "known_problems"]}),
        (_("Evaluering"), {"fields": ["method", "method_description", "reviewed_on"]}),
        (_("Om erklæringen"), {"fields": ["prepared_on", "prepared_by", "complaints_url"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AccessibilityStatement.objects.exists()
