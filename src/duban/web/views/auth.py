"""Sign-in (password, address checks, second factor), sign-out, password change, and the
start page that sends each role home."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from duban.audit.access import client_ip, record
from duban.audit.models import AccessKind, AccessLog
from duban.org import actions, twofactor
from duban.org.errors import OrgError
from duban.org.models import Role
from duban.org.policy import current
from duban.web.common import acting_user

HOME_OF_ROLE = {
    Role.SUPERVISOR: "workbench",
    Role.LEADER: "leader_home",
    Role.LIAISON: "unit_home",
    Role.UNIT_HEAD: "unit_home",
    Role.SYSADMIN: "sysadmin_users",
    Role.SECADMIN: "secadmin_roles",
    Role.AUDITOR: "audit_log",
}


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续多次错误，账号将被暂时锁定。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        # Sign-in address allowlists (global and per role), checked after the password so
        # a wrong address does not tell a stranger whether the password was right.
        ip = client_ip(self.request)
        if not current().address_allowed(user.role, ip):
            record(
                AccessKind.LOGIN_REFUSED,
                user=user,
                detail=f"address {ip} not in the allowlist for {user.role}",
                request=self.request,
            )
            raise forms.ValidationError(
                "不允许从本机地址登录该账号，请在单位指定的电脑上登录，或联系安全管理员。",
                code="address",
            )


def ip_blocked(ip: str | None) -> bool:
    """Too many failed sign-ins from one address, over all usernames, in the lockout time.

    The per-account lock (django-axes) stops guessing one password; this stops one
    machine from trying a few passwords on each of many accounts (password spraying).
    """
    if not ip:
        return False
    policy = current()
    since = timezone.now() - timedelta(minutes=policy.lockout_minutes)
    failures = AccessLog.objects.filter(kind=AccessKind.LOGIN_FAILED, ip=ip, at__gte=since).count()
    return failures >= policy.ip_failure_limit


class SignInView(LoginView):
    template_name = "web/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = client_ip(request)
        if ip_blocked(ip):
            record(
                AccessKind.LOGIN_REFUSED,
                username=str(request.POST.get("username", ""))[:150],
                detail=f"address {ip} over the failure limit",
                request=request,
            )
            minutes = current().lockout_minutes
            return render(
                request,
                "web/locked.html",
                {"by_address": True, "minutes": minutes},
                status=429,
            )
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    return redirect(HOME_OF_ROLE[Role(user.role)])


class PasswordForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput, strip=False)
    new_password1 = forms.CharField(label="新密码", widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages["required"] = f"请填写{f.label}。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        a, b = data.get("new_password1"), data.get("new_password2")
        if a and b and a != b:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_password(
                user=user,
                old=form.cleaned_data["old_password"],
                new=form.cleaned_data["new_password1"],
                request=request,
            )
        except OrgError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。")
            return redirect("home")
    policy = current()
    reason = ""
    if user.must_change_password:
        reason = "这是管理员为您设置的临时密码，请先修改密码再使用系统。"
    elif actions.password_expired(user):
        reason = f"您的密码已使用超过{policy.expiry_days}天，请修改密码后继续使用。"
    return render(
        request, "web/password_change.html", {"form": form, "policy": policy, "reason": reason}
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


MFA_FAILURES_BEFORE_SIGN_OUT = 5


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step after the password: a code from the authenticator or a recovery code."""
    user = acting_user(request)
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("home")
    if not twofactor.enrolled(user):
        return redirect("mfa_setup")
    error = ""
    if request.method == "POST":
        device = twofactor.verify(user=user, code=request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            record(AccessKind.MFA_OK, user=user, detail=device.name, request=request)
            return redirect(_next(request))
        record(AccessKind.MFA_FAILED, user=user, request=request)
        failures = request.session.get("duban_mfa_failures", 0) + 1
        request.session["duban_mfa_failures"] = failures
        if failures >= MFA_FAILURES_BEFORE_SIGN_OUT:
            logout(request)
            messages.error(request, "验证码连续错误，已退出登录，请重新登录。")
            return redirect("login")
        error = "验证码不正确，请输入手机验证器上当前显示的6位数字，或一个恢复码。"
    return render(request, "web/mfa_verify.html", {"error": error, "next": _next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: scan the QR code (drawn here, no network), type the code."""
    user = acting_user(request)
    if twofactor.enrolled(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("mfa_verify")  # replacing a device needs the current one first
    device = twofactor.start_enrolment(user=user)
    error = ""
    if request.method == "POST":
        try:
            device, codes = twofactor.confirm_enrolment(
                user=user, code=request.POST.get("code", ""), request=request
            )
        except OrgError as e:
            error = e.message
        else:
            otp_login(request, device)
            return render(request, "web/mfa_codes.html", {"codes": codes})
    qr = segno.make(device.config_url, error="m")
    secret = device.bin_key
    import base64

    b32 = base64.b32encode(secret).decode().rstrip("=")
    return render(
        request,
        "web/mfa_setup.html",
        {
            "qr_svg": qr.svg_inline(scale=5, dark="#1f2328"),
            "secret": " ".join(b32[i : i + 4] for i in range(0, len(b32), 4)),
            "error": error,
            "required": current().mfa_required(user.role),
            "replacing": twofactor.enrolled(user),
        },
    )
