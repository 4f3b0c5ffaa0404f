"""Admin: settings tables only. Work records change through actions, never here."""

from django.contrib import admin

from duban.work.models import CalendarDay, CalendarYear, DeadlineDefault


@admin.register(DeadlineDefault)
class DeadlineDefaultAdmin(admin.ModelAdmin):
    list_display = ["kind", "urgency", "amount", "unit", "source"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "confirmed_at", "note"]
