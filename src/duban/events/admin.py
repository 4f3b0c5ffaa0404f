"""Admin: the event types and their plan templates, edited by the system administrator
(settings only; events themselves change through events/actions.py)."""

from django.contrib import admin

from duban.events.models import EventType, PrepTemplate
from duban.supervise.admin import LoggedAdmin, SysadminOnly


class PrepInline(SysadminOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = PrepTemplate
    extra = 0
    fields = ["order", "section", "logistics", "what", "unit_kind", "lead_workdays"]


@admin.register(EventType)
class EventTypeAdmin(LoggedAdmin):
    list_display = ["name", "code", "order"]
    inlines = [PrepInline]
