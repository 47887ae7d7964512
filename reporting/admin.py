from django.contrib import admin

from .models import ReportEdition, ReportRender


@admin.register(ReportEdition)
class ReportEditionAdmin(admin.ModelAdmin):
    list_display = ["plan", "year", "title", "state", "finalised_at"]
    list_filter = ["state", "year"]
    readonly_fields = ["state", "content_hash", "finalised_at", "finalised_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        # A final edition is frozen (only superseded by a new draft).
        if obj is not None and obj.is_final:
            return False
        return super().has_change_permission(request, obj)


@admin.register(ReportRender)
class ReportRenderAdmin(admin.ModelAdmin):
    list_display = ["plan", "year", "state", "created_at", "finished_at"]
    list_filter = ["state"]
    readonly_fields = ["plan", "year", "content_hash", "state", "error", "created_at", "started_at", "finished_at"]
    exclude = ["snapshot", "pdf"]

    def has_add_permission(self, request):
        return False
