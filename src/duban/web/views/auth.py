"""Sign-in, sign-out, password change, and the start page that sends each role home."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from duban.org.models import Role
from duban.web.common import acting_user

HOME_OF_ROLE = {
    Role.SUPERVISOR: "workbench",
    Role.LEADER: "leader_home",
    Role.LIAISON: "unit_home",
    Role.UNIT_HEAD: "unit_home",
    Role.AUDITOR: "ledger",
}


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续5次错误，账号将被锁定15分钟。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }


class SignInView(LoginView):
    template_name = "web/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    target = HOME_OF_ROLE.get(Role(user.role))
    if target is not None:
        return redirect(target)
    if user.role == Role.SYSADMIN:
        return redirect("admin:index")
    return render(request, "web/home_admin.html")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    return render(request, "web/password_change.html", {"form": form})
