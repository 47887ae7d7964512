from django.contrib import admin

from .models import FollowUpRound, MailPreference, SentMail, UpdateRequest


@admin.register(FollowUpRound)
class FollowUpRoundAdmin(admin.ModelAdmin):
    list_display = ["plan", "year", "deadline", "opened_by", "opened_at"]
    list_filter = ["plan__organization", "plan"]
    readonly_fields = ["opened_by", "opened_at"]


@admin.register(UpdateRequest)
class UpdateRequestAdmin(admin.ModelAdmin):
    list_display = ["initiative", "round", "owner", "state", "status", "submitted_at", "reviewed_at"]
    list_filter = ["state", "round__plan", "round__year"]
    list_select_related = ["initiative", "round__plan", "owner"]
    search_fields = ["initiative__number", "initiative__title", "owner__username", "year_text"]
    raw_id_fields = ["initiative", "owner", "reviewed_by"]


@admin.register(MailPreference)
class MailPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "reminders"]
    raw_id_fields = ["user"]


@admin.register(SentMail)
class SentMailAdmin(admin.ModelAdmin):
    """The record of what was sent: read-only, it is what keeps mails from repeating."""

    list_display = ["sent_at", "kind", "to", "round", "request"]
    list_filter = ["kind"]
    search_fields = ["to", "key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
