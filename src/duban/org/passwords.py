"""Password rules, each with a Chinese message, read from the policy in force (IA-1).

等保 8.1.4.1a asks for complexity and regular change; the numbers are the secadmin's
(org/policy.py). ASVS 6.2.5/6.2.10 advise against composition rules and rotation: 等保
binds the deployment, so both are on by default and the secadmin may relax them.
"""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth import password_validation as django_rules
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from duban.org.policy import current


def _classes(password: str) -> int:
    return sum(
        [
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isalnum() for c in password),
        ]
    )


class LengthValidator:
    def validate(self, password: str, user: object = None) -> None:
        n = current().min_length
        if len(password) < n:
            raise ValidationError(f"密码至少须有{n}位。", code="password_too_short")

    def get_help_text(self) -> str:
        return f"密码至少{current().min_length}位。"


class CharacterClassValidator:
    def __init__(self, min_classes: int | None = None) -> None:
        self.min_classes = min_classes

    def _n(self) -> int:
        return self.min_classes if self.min_classes is not None else current().min_classes

    def validate(self, password: str, user: object = None) -> None:
        n = self._n()
        if _classes(password) < n:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少{n}类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少{self._n()}类。"


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    """Django's list of 20,000 common passwords (offline), with a Chinese message."""

    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "该密码过于常见，容易被猜中，请换一个。", code="password_too_common"
            ) from None

    def get_help_text(self) -> str:
        return "不能使用常见密码。"


class SimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "密码与用户名或姓名过于相似，请换一个。", code="password_too_similar"
            ) from None

    def get_help_text(self) -> str:
        return "密码不能与用户名、姓名相似。"


class HistoryValidator:
    """None of the current and last N passwords again (N = policy.history_count)."""

    def validate(self, password: str, user: Any = None) -> None:
        n = current().history_count
        if user is None or getattr(user, "pk", None) is None or n == 0:
            return
        from duban.org.models import PasswordHistory, User

        stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [stored] if stored else []
        hashes += list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : max(n - 1, 0)
            ]
        )
        if any(h and check_password(password, h) for h in hashes):
            raise ValidationError(
                f"新密码不能与最近{n}次使用过的密码相同。", code="password_reused"
            )

    def get_help_text(self) -> str:
        return f"不能与最近{current().history_count}次使用过的密码相同。"
