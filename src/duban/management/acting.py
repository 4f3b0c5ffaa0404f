"""`--by USER` for commands that act as a person (exports are scoped, actions attributed)."""

from __future__ import annotations

from django.core.management.base import CommandError

from duban.org.models import Role, User


def acting(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"用户“{username}”不存在或已停用。")
    return user


def supervisor(username: str) -> User:
    """The named supervisor, or with no name the first active one."""
    if username:
        user = acting(username)
    else:
        found = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
        if found is None:
            raise CommandError("没有督查人员账号，请用 --by 指定。")
        user = found
    if user.role != Role.SUPERVISOR:
        raise CommandError(f"此操作由督查人员进行，{user.username}不是督查人员。")
    return user
