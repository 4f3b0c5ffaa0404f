"""The system administrator's page of notification channels (/sysadmin/channels/).

Settings per channel (secrets are write-only: the page says whether one is set, never
what it is), a "send test message" button, and the dead-letter list with a retry
button. Every change goes through notify.actions, which writes the access log.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.notify import actions, selectors
from duban.notify.fields import ADDRESS_HELP, CHANNEL_FIELDS, choices
from duban.notify.models import EXTERNAL_CHANNELS, ChannelConfig, ChannelKind
from duban.org.models import Role
from duban.web.common import acting_user, roles_required
from duban.work.errors import ActionError


class FormError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _cards(posted: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    stored = {c.kind: c for c in ChannelConfig.objects.all()}
    cards = []
    for kind in EXTERNAL_CHANNELS:
        config = stored.get(kind) or ChannelConfig(kind=kind)
        mine = posted if posted and posted["kind"] == kind else None
        values = mine["values"] if mine else config.options
        fields = []
        for name, label, ftype, help_text in CHANNEL_FIELDS[kind]:
            value = values.get(name, "")
            if ftype == "json" and not isinstance(value, str):
                value = json.dumps(value, ensure_ascii=False) if value else ""
            fields.append(
                {
                    "name": name,
                    "label": label,
                    "type": ftype.split(":")[0],
                    "help": help_text,
                    "value": "" if ftype == "secret" else value,
                    "choices": choices(ftype) if ftype.startswith("choice:") else [],
                    "is_set": ftype == "secret" and bool(config.secrets.get(name)),
                    "error": mine["error"] if mine and mine["field"] == name else "",
                }
            )
        cards.append(
            {
                "kind": kind,
                "label": ChannelKind(kind).label,
                "config": config,
                "fields": fields,
                "address_help": ADDRESS_HELP[kind],
                "error": mine["error"] if mine else "",
            }
        )
    return cards


def _page(
    request: HttpRequest, posted: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = acting_user(request)
    context = {"cards": _cards(posted), "dead": list(selectors.dead_letters(user))}
    return render(request, "web/channels.html", context, status=status)


@roles_required(Role.SYSADMIN)
def channels(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _read(kind: str, post: Any) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    options: dict[str, Any] = {}
    secrets: dict[str, str] = {}
    clear: list[str] = []
    for name, label, ftype, _help in CHANNEL_FIELDS[kind]:
        raw = str(post.get(name, "")).strip()
        if ftype == "secret":
            if raw:
                secrets[name] = raw
            if post.get(f"clear_{name}"):
                clear.append(name)
        elif ftype == "number":
            if raw:
                try:
                    number = float(raw)
                except ValueError:
                    raise FormError(name, f"{label}应为数字。") from None
                if number <= 0:
                    raise FormError(name, f"{label}应大于0。")
                options[name] = int(number) if number.is_integer() else number
        elif ftype == "json":
            if raw:
                try:
                    value = json.loads(raw)
                except json.JSONDecodeError:
                    raise FormError(name, f"{label}不是有效的JSON。") from None
                if not isinstance(value, dict):
                    raise FormError(name, f'{label}应为JSON对象，如 {{"mobile":"{{mobile}}"}}。')
                options[name] = {str(k): str(v) for k, v in value.items()}
        elif ftype.startswith("choice:"):
            allowed = [c for c, _ in choices(ftype)]
            if raw and raw not in allowed:
                raise FormError(name, f"{label}的取值无效。")
            if raw:
                options[name] = raw
        elif raw:
            if len(raw) > 500:
                raise FormError(name, f"{label}过长（最多500字）。")
            options[name] = raw
    return options, secrets, clear


def _int(post: Any, name: str, label: str, default: int) -> int:
    raw = str(post.get(name, "")).strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise FormError(name, f"{label}应为整数。") from None


@require_POST
@roles_required(Role.SYSADMIN)
def channel_save(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in EXTERNAL_CHANNELS:
        raise Http404("没有这个通知渠道。")
    post = request.POST
    values = {k: post.get(k, "") for k, _l, t, _h in CHANNEL_FIELDS[kind] if t != "secret"}
    try:
        options, secrets, clear = _read(kind, post)
        actions.save_channel(
            by=acting_user(request),
            kind=kind,
            enabled=post.get("enabled") == "on",
            options=options,
            secrets=secrets,
            clear_secrets=clear,
            rate_per_minute=_int(post, "rate_per_minute", "每分钟发送上限", 60),
            max_attempts=_int(post, "max_attempts", "最多尝试次数", 5),
            now=timezone.now(),
            ip=request.META.get("REMOTE_ADDR"),
        )
    except FormError as e:
        posted = {"kind": kind, "values": values, "field": e.field, "error": e.message}
        return _page(request, posted, status=400)
    except ActionError as e:
        posted = {"kind": kind, "values": values, "field": e.field or "", "error": e.message}
        return _page(request, posted, status=400)
    messages.success(request, f"{ChannelKind(kind).label}设置已保存。")
    return redirect(reverse("sysadmin_channels") + f"#ch-{kind}")


@require_POST
@roles_required(Role.SYSADMIN)
def channel_test(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in EXTERNAL_CHANNELS:
        raise Http404("没有这个通知渠道。")
    address = str(request.POST.get("address", "")).strip()[:200]
    result = actions.send_test(
        by=acting_user(request),
        kind=kind,
        address=address,
        now=timezone.now(),
        ip=request.META.get("REMOTE_ADDR"),
    )
    label = ChannelKind(kind).label
    if result.ok:
        messages.success(request, f"{label}：{result.message}")
    else:
        messages.error(request, f"{label}：{result.message}")
    return redirect(reverse("sysadmin_channels") + f"#ch-{kind}")


@require_POST
@roles_required(Role.SYSADMIN)
def retry(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("delivery") if i.isdigit()]
    if not ids:
        messages.error(request, "请先勾选要重新发送的通知。")
        return redirect(reverse("sysadmin_channels") + "#dead")
    n = actions.retry_deliveries(
        by=acting_user(request), ids=ids, now=timezone.now(), ip=request.META.get("REMOTE_ADDR")
    )
    messages.success(request, f"已将{n}条通知重新排队发送。")
    return redirect(reverse("sysadmin_channels") + "#dead")
