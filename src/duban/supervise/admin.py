"""Admin: the supervision settings, edited by the system administrator.

Only settings tables are here (SupervisionConfig, ladders and their steps, score rules);
supervision records change through supervise/actions.py. Every change made here is also
written to the access log (DESIGN.md: every admin change goes to the access log).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.supervise.models import Ladder, LadderStep, ScoreRule, SupervisionConfig
from duban.supervise.rule_history import change_rule
from duban.work.models import LoopConfig


def _log(request: HttpRequest, what: str) -> None:
    user = request.user
    AccessLog.objects.create(
        at=timezone.now(),
        kind=AccessKind.ADMIN,
        user=user if user.is_authenticated else None,
        username=getattr(user, "username", ""),
        detail=what,
        ip=request.META.get("REMOTE_ADDR"),
    )


def _sysadmin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == "sysadmin"))


class SysadminOnly:
    """The system administrator's settings (三员分立: not the other two administrators)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _sysadmin(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request)


class LoggedAdmin(SysadminOnly, admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        verb = "change" if change else "add"
        _log(request, f"{verb} {obj._meta.label} {obj.pk}: {obj}")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _log(request, f"delete {obj._meta.label} {obj.pk}: {obj}")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        # The list's "delete selected" action: one log line per row, as delete_model writes.
        for obj in queryset:
            _log(request, f"delete {obj._meta.label} {obj.pk}: {obj}")
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.has_changed():
            _log(request, f"change {formset.model._meta.label} of {form.instance}")


@admin.register(SupervisionConfig)
class SupervisionConfigAdmin(LoggedAdmin):
    list_display = ["__str__", "key_cycle", "key_cycle_day", "rectify_workdays", "score_base"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request) and not SupervisionConfig.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class StepInline(SysadminOnly, admin.TabularInline):
    model = LadderStep
    extra = 0
    fields = [
        "order",
        "name",
        "colour_name",
        "colour",
        "basis",
        "threshold",
        "key_threshold",
        "key_skip",
        "urge",
        "notify_units",
        "notify_unit_head",
        "notify_leader",
        "notify_supervisors",
        "is_active",
    ]


@admin.register(Ladder)
class LadderAdmin(LoggedAdmin):
    list_display = ["name", "is_active", "order", "note"]
    inlines = [StepInline]


@admin.register(ScoreRule)
class ScoreRuleAdmin(LoggedAdmin):
    list_display = ["order", "name", "kind", "points", "key_weight", "threshold", "is_active"]
    list_editable = ["is_active"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Through change_rule: the months before today keep the old values (and the
        # access log gets old and new values).
        user = request.user if request.user.is_authenticated else None
        change_rule(
            obj,
            by=user,
            now=timezone.now(),
            ip=request.META.get("REMOTE_ADDR"),
            **{name: getattr(obj, name) for name in form.changed_data},
        )


@admin.register(LoopConfig)
class LoopConfigAdmin(LoggedAdmin):
    """办理流程设置 (work.models.LoopConfig): edited here with the other county settings, by
    the sysadmin, each change access-logged."""

    list_display = ["__str__", "silent_co_units", "unit_review", "unit_review_progress"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request) and not LoopConfig.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
