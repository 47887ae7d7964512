from django.contrib import admin

from .models import Indicator, IndicatorDirection, IndicatorInitiative, Measurement


class DirectionLinkInline(admin.TabularInline):
    model = IndicatorDirection
    extra = 0
    raw_id_fields = ["direction"]


class InitiativeLinkInline(admin.TabularInline):
    model = IndicatorInitiative
    extra = 0
    raw_id_fields = ["initiative"]


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0
    fields = ["period", "date", "value", "note", "author"]
    raw_id_fields = ["author"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "unit", "target_value", "frequency"]
    list_filter = ["plan", "frequency"]
    search_fields = ["name", "description", "source"]
    readonly_fields = ["plan", "version"]
    inlines = [DirectionLinkInline, InitiativeLinkInline, MeasurementInline]

    def has_add_permission(self, request):
        return False  # created on the plan's indicator page, which knows the plan


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["indicator", "date", "period", "value", "author"]
    list_filter = ["indicator__plan"]
    raw_id_fields = ["indicator", "author"]
    readonly_fields = ["version"]
