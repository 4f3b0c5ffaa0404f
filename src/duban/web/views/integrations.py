"""对接系统: the system administrator's page for integrations, their tokens and webhooks.

A token and a webhook secret are shown once, on the page that answers the POST which made
them, and never again (only a digest of the token is stored). Every change goes through
`duban.api.tokens` (access-logged); a refusal comes back beside its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from duban.api import tokens, webhooks
from duban.api.models import ApiToken, Integration, WebhookDelivery, WebhookScope
from duban.org.models import Leader, Role, Unit
from duban.web.common import acting_user, roles_required
from duban.work.errors import ActionError

ROLE_CHOICES = [(str(r), r.label) for r in tokens.TOKEN_ROLES]


class IntegrationForm(forms.Form):
    name = forms.CharField(
        label="对接系统名称", max_length=60, help_text="如：市督查平台、县政府OA"
    )
    role = forms.ChoiceField(
        label="调用身份",
        choices=ROLE_CHOICES,
        help_text="接口按此身份的权限和可见范围办理，与同角色人员在页面上完全相同",
    )
    unit = forms.ModelChoiceField(
        label="单位（联络员、单位负责人身份）",
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        empty_label="（无）",
    )
    leader = forms.ModelChoiceField(
        label="县领导（县领导身份）",
        queryset=Leader.objects.all(),
        required=False,
        empty_label="（无）",
    )
    rate_per_minute = forms.IntegerField(
        label="每分钟调用上限",
        min_value=1,
        max_value=100_000,
        required=False,
        help_text="不填为120",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="回调地址", max_length=500, required=False, help_text="留空即关闭回调"
    )
    scope = forms.ChoiceField(label="推送范围", choices=WebhookScope.choices)
    new_secret = forms.BooleanField(label="重新生成签名密钥", required=False)


def _page(
    request: HttpRequest,
    *,
    form: IntegrationForm | None = None,
    shown: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    integrations = list(
        Integration.objects.select_related("user__unit", "user__leader").prefetch_related("tokens")
    )
    troubled = list(
        WebhookDelivery.objects.filter(delivered_at__isnull=True, attempts__gt=0)
        .select_related("integration", "event")
        .order_by("-id")[:100]
    )
    context = {
        "integrations": integrations,
        "form": form or IntegrationForm(),
        "hook_forms": {
            i.pk: WebhookForm(
                initial={"url": i.webhook_url, "scope": i.webhook_scope}, prefix=f"h{i.pk}"
            )
            for i in integrations
        },
        "troubled": troubled,
        "shown": shown,
        "prefix": tokens.TOKEN_PREFIX,
    }
    return render(request, "web/integrations.html", context, status=status)


@roles_required(Role.SYSADMIN)
def integrations(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = IntegrationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            issued = tokens.create_integration(
                name=data["name"],
                role=data["role"],
                unit=data["unit"],
                leader=data["leader"],
                rate_per_minute=data["rate_per_minute"],
                note=data["note"],
                by=acting_user(request),
            )
        except ActionError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            shown = {"what": f"“{issued.token.integration.name}”的令牌", "value": issued.raw}
            return _page(request, shown=shown)
    return _page(request, form=form, status=400)


def _integration(pk: int) -> Integration:
    found = Integration.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("对接系统不存在。")
    return found


@require_POST
@roles_required(Role.SYSADMIN)
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        issued = tokens.issue_token(integration=_integration(pk), by=acting_user(request))
    except ActionError as e:
        messages.error(request, e.message)
        return redirect("integrations")
    return _page(
        request, shown={"what": f"“{issued.token.integration.name}”的新令牌", "value": issued.raw}
    )


@require_POST
@roles_required(Role.SYSADMIN)
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404("令牌不存在。")
    try:
        tokens.revoke_token(token=token, by=acting_user(request))
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"令牌 {tokens.TOKEN_PREFIX}{token.prefix}_… 已吊销，立即失效。")
    return redirect("integrations")


@require_POST
@roles_required(Role.SYSADMIN)
def webhook(request: HttpRequest, pk: int) -> HttpResponse:
    integration = _integration(pk)
    form = WebhookForm(request.POST, prefix=f"h{pk}")
    if not form.is_valid():
        messages.error(request, "回调设置无效。")
        return redirect("integrations")
    try:
        secret = tokens.set_webhook(
            integration=integration,
            url=form.cleaned_data["url"],
            scope=form.cleaned_data["scope"],
            new_secret=form.cleaned_data["new_secret"],
            by=acting_user(request),
        )
    except ActionError as e:
        messages.error(request, f"{integration.name}：{e.message}")
        return redirect("integrations")
    if not secret:
        messages.success(request, f"{integration.name}的回调已关闭。")
        return redirect("integrations")
    if form.cleaned_data["new_secret"] or not request.POST.get("had_secret"):
        return _page(
            request, shown={"what": f"“{integration.name}”的回调签名密钥", "value": secret}
        )
    messages.success(request, f"{integration.name}的回调已设置。")
    return redirect("integrations")


@require_POST
@roles_required(Role.SYSADMIN)
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = WebhookDelivery.objects.filter(pk=pk).first()
    if delivery is None:
        raise Http404("回调记录不存在。")
    try:
        webhooks.retry(delivery=delivery, by=acting_user(request))
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已安排重发。")
    return redirect("integrations")
