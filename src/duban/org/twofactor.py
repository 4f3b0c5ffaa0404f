"""Two factors (等保 8.1.4.1d): a TOTP authenticator plus one-time recovery codes.

The user enrols themselves: `start_enrolment` makes an unconfirmed authenticator whose
secret the page shows as a QR code, `confirm_enrolment` checks the first code, confirms
it and issues ten recovery codes (shown once). RFC 6238 TOTP is HMAC-SHA1: it meets 等保's
"two factors, one cryptographic" but not 密评's GM/T 0021 (SM3/SM4) — see docs/decisions.md.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.audit.access import record
from duban.audit.models import AccessKind
from duban.org.models import User
from duban.org.policy import current

RECOVERY_CODES = 10


def required_for(user: User) -> bool:
    """Two factors are asked of this user: their role is in the policy, or they enrolled."""
    return current().mfa_required(user.role) or bool(user_has_device(user, confirmed=True))


def enrolled(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def start_enrolment(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator to show as a QR code (the same one on a reload)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=False)
    return device


def confirm_enrolment(
    *, user: User, code: str, request: Any = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with its first code; returns it and new recovery codes."""
    from duban.org.errors import OrgError

    code = "".join((code or "").split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None:
            raise OrgError("请刷新页面，重新扫描二维码。", field="code")
        if not (code.isdigit() and device.verify_token(code)):
            record(AccessKind.MFA_FAILED, user=user, detail="enrolment code wrong", request=request)
            raise OrgError("验证码不正确，请核对手机上显示的6位数字后重试。", field="code")
        # One authenticator per user: an older confirmed one is replaced.
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
        record(AccessKind.MFA_OK, user=user, detail="启用双因素认证", request=request)
    return device, codes


def new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def verify(*, user: User, code: str) -> Any:
    """The device that accepts `code` (authenticator or recovery code), or None."""
    code = "".join((code or "").split())
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None
