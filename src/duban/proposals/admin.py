"""Admin: the stream's one settings row (ProposalConfig), edited by the system
administrator (三员分立), each change written to the access log. Items change through
proposals/actions.py only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.proposals.models import ProposalConfig


def _sysadmin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == "sysadmin"))


@admin.register(ProposalConfig)
class ProposalConfigAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "__str__",
        "reply_months",
        "urgent_days",
        "co_opinion_days",
        "adjust_workdays",
        "reopen_months",
    ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _sysadmin(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _sysadmin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _sysadmin(request) and not ProposalConfig.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # One row, the county's: the pk is fixed so proposal_config() finds it.
        obj.pk = 1
        super().save_model(request, obj, form, change)
        user = request.user
        AccessLog.objects.create(
            at=timezone.now(),
            kind=AccessKind.ADMIN,
            user=user if user.is_authenticated else None,
            username=getattr(user, "username", ""),
            detail=f"{'change' if change else 'add'} proposals.ProposalConfig: "
            + ", ".join(f"{n}={getattr(obj, n)}" for n in form.changed_data),
            ip=request.META.get("REMOTE_ADDR"),
        )
