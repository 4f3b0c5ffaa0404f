"""Admin: settings tables only. Work records change through actions, never here."""

from django.contrib import admin
from django.http import HttpRequest

from duban.work.models import CalendarDay, CalendarYear, DeadlineDefault


@admin.register(DeadlineDefault)
class DeadlineDefaultAdmin(admin.ModelAdmin):
    list_display = ["kind", "urgency", "amount", "unit", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Read-only: confirming a year re-dates provisional deadlines, so it goes through the
    action (`duban calendar confirm YEAR --by USER`), never a bare row."""

    list_display = ["year", "confirmed_at", "note"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
