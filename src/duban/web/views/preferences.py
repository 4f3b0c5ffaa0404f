"""Every user's notification settings (/notifications/settings/): which events reach them
outside the inbox, on which channels, quiet hours (特急 always passes), and the daily
digest instead of one message per event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from duban.notify import actions
from duban.notify.events import GROUPS
from duban.notify.models import ChannelConfig, ChannelKind, Preference
from duban.web.common import acting_user
from duban.work.errors import ActionError

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label="接收渠道", required=False, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label="通过以上渠道接收的事项",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(code, label) for code, (label, _k) in GROUPS.items()],
    )
    quiet_start = forms.TimeField(label="免打扰开始", required=False, widget=TIME_INPUT)
    quiet_end = forms.TimeField(label="免打扰结束", required=False, widget=TIME_INPUT)
    digest = forms.BooleanField(label="改为每天汇总发送一次（特急事项仍即时发送）", required=False)
    digest_time = forms.TimeField(label="每日汇总发送时间", required=False, widget=TIME_INPUT)
    mobile = forms.CharField(label="手机号码", required=False, max_length=20)
    email = forms.EmailField(
        label="电子邮箱", required=False, error_messages={"invalid": "请填写有效的电子邮箱地址。"}
    )
    wecom_userid = forms.CharField(label="企业微信/政务微信账号", required=False, max_length=64)
    dingtalk_userid = forms.CharField(label="钉钉用户ID", required=False, max_length=64)

    def __init__(self, *args: Any, enabled: list[str], **kw: Any):
        super().__init__(*args, **kw)
        channels = self.fields["channels"]
        assert isinstance(channels, forms.MultipleChoiceField)
        channels.choices = [(k, ChannelKind(k).label) for k in enabled]


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    enabled = list(
        ChannelConfig.objects.filter(enabled=True).order_by("kind").values_list("kind", flat=True)
    )
    pref = Preference.objects.filter(user=user).first()
    if request.method == "POST":
        form = PreferenceForm(request.POST, enabled=enabled)
        if form.is_valid():
            data = form.cleaned_data
            # A channel the administrator turned off stays chosen, for when it is back.
            kept = [c for c in (pref.channels if pref else []) if c not in enabled]
            try:
                actions.save_preference(
                    by=user,
                    channels=kept + list(data["channels"]),
                    muted_kinds=[g for g in GROUPS if g not in data["kinds"]],
                    quiet_start=data["quiet_start"],
                    quiet_end=data["quiet_end"],
                    digest=data["digest"],
                    digest_time=data["digest_time"],
                    email=data["email"],
                    mobile=data["mobile"].strip(),
                    wecom_userid=data["wecom_userid"].strip(),
                    dingtalk_userid=data["dingtalk_userid"].strip(),
                    now=timezone.now(),
                )
            except ActionError as e:
                field = e.field if e.field in form.fields else None
                form.add_error(field, e.message)
            else:
                messages.success(request, "通知设置已保存。")
                return redirect("notify_preferences")
        status = 400
    else:
        initial: dict[str, Any] = {"kinds": list(GROUPS), "email": user.email}
        if pref is not None:
            initial = {
                "channels": pref.channels,
                "kinds": [g for g in GROUPS if g not in pref.muted_kinds],
                "quiet_start": pref.quiet_start,
                "quiet_end": pref.quiet_end,
                "digest": pref.digest,
                "digest_time": pref.digest_time,
                "mobile": pref.mobile,
                "email": pref.email or user.email,
                "wecom_userid": pref.wecom_userid,
                "dingtalk_userid": pref.dingtalk_userid,
            }
        form = PreferenceForm(initial=initial, enabled=enabled)
        status = 200
    return render(
        request, "web/preferences.html", {"form": form, "enabled": enabled}, status=status
    )
