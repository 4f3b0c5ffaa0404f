"""duban apitoken — integrations (对接系统) and their API tokens, for the system administrator.

    duban apitoken create --by sysadmin --name 市督查平台 --role supervisor
    duban apitoken create --by sysadmin --name 县发改局OA --role liaison --unit fgj
    duban apitoken create --by sysadmin --integration 市督查平台      # another token (rotation)
    duban apitoken list
    duban apitoken revoke --by sysadmin PREFIX
    duban apitoken webhook --by sysadmin --integration 市督查平台 --url http://… [--scope visible]

A token is printed once, when it is issued; only its digest is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from duban.api import tokens
from duban.api.models import ApiToken, Integration
from duban.management.acting import acting
from duban.org.models import Leader, Unit
from duban.work.errors import ActionError


def _unit(ref: str) -> Unit:
    unit = Unit.objects.filter(Q(code=ref) | Q(name=ref) | Q(short_name=ref)).first()
    if unit is None:
        raise CommandError(f"单位“{ref}”不存在。")
    return unit


def _integration(name: str) -> Integration:
    found = Integration.objects.filter(name=name).first()
    if found is None:
        raise CommandError(f"对接系统“{name}”不存在。")
    return found


class Command(BaseCommand):
    help = "Create, list and revoke API tokens of integrations; set their webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="a new integration and its token, or a new token")
        create.add_argument("--by", required=True, help="username of the system administrator")
        create.add_argument("--name", help="the new integration's name")
        create.add_argument("--role", choices=[str(r) for r in tokens.TOKEN_ROLES])
        create.add_argument("--unit", help="unit code or name (liaison, unit_head)")
        create.add_argument("--leader", help="leader code (leader)")
        create.add_argument("--rate", type=int, help="calls per minute (default 120)")
        create.add_argument("--note", default="")
        create.add_argument("--integration", help="issue another token for this integration")
        sub.add_parser("list", help="integrations and tokens (never the tokens themselves)")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix")
        revoke.add_argument("prefix")
        revoke.add_argument("--by", required=True)
        hook = sub.add_parser("webhook", help="subscribe an integration to task events")
        hook.add_argument("--by", required=True)
        hook.add_argument("--integration", required=True)
        hook.add_argument("--url", required=True, help="empty to switch the webhook off")
        hook.add_argument("--scope", choices=["own", "visible"], default="own")
        hook.add_argument("--kind", action="append", default=[], help="event kind; repeat")
        hook.add_argument("--new-secret", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['verb']}")(options)
        except ActionError as e:
            raise CommandError(e.message) from None

    def _create(self, o: dict[str, Any]) -> None:
        by = acting(o["by"])
        if o["integration"]:
            issued = tokens.issue_token(integration=_integration(o["integration"]), by=by)
        else:
            if not o["name"] or not o["role"]:
                raise CommandError("新建对接系统须给出 --name 和 --role。")
            leader = None
            if o["leader"]:
                leader = Leader.objects.filter(code=o["leader"]).first()
                if leader is None:
                    raise CommandError(f"县领导“{o['leader']}”不存在。")
            issued = tokens.create_integration(
                name=o["name"],
                role=o["role"],
                unit=_unit(o["unit"]) if o["unit"] else None,
                leader=leader,
                note=o["note"],
                rate_per_minute=o["rate"],
                by=by,
            )
        integration = issued.token.integration
        self.stdout.write(f"对接系统：{integration.name}（{integration.user.get_role_display()}）")
        self.stdout.write(f"令牌（只显示这一次，请妥善保存）：\n{issued.raw}")

    def _list(self, o: dict[str, Any]) -> None:
        for integ in Integration.objects.select_related("user__unit").prefetch_related("tokens"):
            user = integ.user
            unit = f" {user.unit.label}" if user.unit else ""
            hook = f" 回调 {integ.webhook_url}" if integ.webhook_url else ""
            self.stdout.write(
                f"{integ.name}：{user.get_role_display()}{unit}，每分钟{integ.rate_per_minute}次{hook}"
            )
            for t in integ.tokens.all():
                state = f"已吊销 {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "有效"
                used = f"，最近使用 {t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else ""
                self.stdout.write(f"  {tokens.TOKEN_PREFIX}{t.prefix}_…  {state}{used}")

    def _revoke(self, o: dict[str, Any]) -> None:
        prefix = o["prefix"].removeprefix(tokens.TOKEN_PREFIX).split("_")[0]
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"令牌“{o['prefix']}”不存在。")
        tokens.revoke_token(token=token, by=acting(o["by"]))
        self.stdout.write(f"已吊销令牌 {tokens.TOKEN_PREFIX}{prefix}_…")

    def _webhook(self, o: dict[str, Any]) -> None:
        secret = tokens.set_webhook(
            integration=_integration(o["integration"]),
            url=o["url"],
            kinds=o["kind"],
            scope=o["scope"],
            new_secret=o["new_secret"],
            by=acting(o["by"]),
        )
        if not secret:
            self.stdout.write("回调已关闭。")
        else:
            self.stdout.write(f"回调已设置。签名密钥（HMAC-SHA256）：\n{secret}")
