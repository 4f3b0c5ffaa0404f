"""duban createadmin — create one of the three administrators (三员) at installation.

Replaces Django's createsuperuser: a superuser bypasses every check, so the database
refuses one (org.User's `no_superuser` constraint). The password is asked twice on the
terminal, or read from standard input with --password-stdin (for scripts), and must meet
the security policy. Further accounts are created on the sysadmin's pages.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from duban.audit.access import record
from duban.audit.models import AccessKind
from duban.org.models import ADMIN_ROLES, Role, User

CHOICES = {"sysadmin": Role.SYSADMIN, "secadmin": Role.SECADMIN, "auditor": Role.AUDITOR}


class Command(BaseCommand):
    help = "Create a system administrator, security administrator or auditor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=sorted(CHOICES))
        parser.add_argument("--name", default="", help="full name shown on pages")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        role = CHOICES[options["role"]]
        if not username or any(c.isspace() for c in username):
            raise CommandError("用户名不能为空或包含空格。 (bad username)")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"用户名“{username}”已存在。 (username taken)")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("密码：")
            if getpass.getpass("再次输入密码：") != password:
                raise CommandError("两次输入的密码不一致。 (passwords differ)")
        user = User(username=username, full_name=options["name"], role=role)
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        now = timezone.now()
        with transaction.atomic():
            user.set_password(password)
            user.password_changed_at = now
            user.is_staff = role == Role.SYSADMIN
            user.save()
            record(
                AccessKind.ADMIN,
                username="(duban createadmin)",
                target=f"user:{username}",
                detail=f"新建{role.label}（命令行）",
            )
        others = User.objects.filter(role__in=ADMIN_ROLES).exclude(pk=user.pk).count()
        self.stdout.write(f"已创建{role.label}：{username}")
        if others == 0:
            self.stdout.write("提示：三员分立，请再分别创建另外两种管理员。")
