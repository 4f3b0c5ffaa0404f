"""Units, groups of units, county leaders and their lines (分管), and people with roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from duban.org.fields import EncryptedTextField


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "县直部门"
    TOWNSHIP = "township", "乡镇（街道）"
    ENTERPRISE = "enterprise", "企业"
    SECTION = "section", "办内科室"


class County(models.Model):
    """The county (or district) itself: one row, from the org file's `county:` line.

    Its name completes what documents print: 云溪县 + 人民政府办公室 signs a 督查通报.
    """

    name = models.CharField("县（区）名称", max_length=40)

    class Meta:
        verbose_name = verbose_name_plural = "本县（区）"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current_name(cls) -> str:
        """The county's name, or "" before an org file named it."""
        row = cls.objects.filter(pk=1).first()
        return row.name if row else ""

    @classmethod
    def office_name(cls) -> str:
        """The office as documents sign it: DUBAN_OFFICE_NAME, else 云溪县人民政府办公室."""
        from django.conf import settings

        return settings.DUBAN_OFFICE_NAME or f"{cls.current_name() or '县'}人民政府办公室"


class Unit(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("全称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类型", max_length=20, choices=UnitKind.choices)
    is_active = models.BooleanField("在用", default=True)
    order = models.PositiveIntegerField("排序", default=0)
    # Pinyin initials of the name, short name and aliases (org/pinyin.py), for the picker.
    search_key = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "单位"
        verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def label(self) -> str:
        """The name shown in ledgers: the short name texts use."""
        return self.short_name or self.name


class UnitAlias(models.Model):
    """简称/别名: another name texts use for a unit. Unique across the county."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField("别名", max_length=100, unique=True)

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"

    def __str__(self) -> str:
        return self.alias


class UnitGroup(models.Model):
    """A named set of units that texts use as one (各乡镇人民政府); may include other groups."""

    name = models.CharField("分组名称", max_length=100, unique=True)
    members = models.ManyToManyField(Unit, related_name="groups", blank=True)
    subgroups = models.ManyToManyField(
        "self", symmetrical=False, related_name="parents", blank=True
    )

    class Meta:
        verbose_name = "单位分组"
        verbose_name_plural = "单位分组"

    def __str__(self) -> str:
        return self.name


class Leader(models.Model):
    """A county leader (县领导); their line (分管) is the set of Portfolio rows."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("姓名", max_length=50)
    title = models.CharField("职务", max_length=50)
    fields_text = models.CharField("分管领域", max_length=300, blank=True)
    order = models.PositiveIntegerField("排序", default=0)
    units: models.ManyToManyField[Unit, Portfolio] = models.ManyToManyField(
        Unit, through="Portfolio", related_name="leaders"
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "县领导"
        verbose_name_plural = "县领导"

    def __str__(self) -> str:
        return f"{self.title}{self.name}"


class Portfolio(models.Model):
    """One unit in one leader's line (分管)."""

    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="portfolio")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="portfolio")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["leader", "unit"], name="portfolio_unique"),
        ]
        verbose_name = "分管关系"
        verbose_name_plural = "分管关系"


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", "督查人员"
    LEADER = "leader", "县领导"
    LIAISON = "liaison", "联络员"
    UNIT_HEAD = "unit_head", "单位负责人"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "安全审计员"


UNIT_ROLES = frozenset({Role.LIAISON, Role.UNIT_HEAD})
# 三员分立 (等保 8.1.4.2d, 8.1.5): each administrator holds exactly one of these and no
# business role; a user has one `role` column, so two of them cannot be held at once.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    # Personal data: encrypted at rest with SM4 (org/fields.py); registered in PERSONAL_FIELDS.
    phone = EncryptedTextField("手机号", blank=True, default="")
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.LIAISON)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    leader = models.OneToOneField(
        Leader, on_delete=models.SET_NULL, null=True, blank=True, related_name="user"
    )
    # Set when an administrator creates the account or resets its password: the next
    # sign-in leads to the password page and nowhere else (等保 8.1.4.1a, IA-1).
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    # When the password was last set; expiry counts from here (date_joined when unset).
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # A liaison or unit head always belongs to a unit; data isolation depends on it.
            models.CheckConstraint(
                condition=~models.Q(role__in=["liaison", "unit_head"])
                | models.Q(unit__isnull=False),
                name="unit_role_has_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="leader") | models.Q(leader__isnull=False),
                name="leader_role_has_leader",
            ),
            # One role per user, and only a known one: a hand-written "sysadmin,auditor"
            # cannot slip past the separation of the three administrators.
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_known"
            ),
            # Django's superuser bypasses every permission check (security.md AC-2): the
            # three administrators replace it, and the database refuses one.
            models.CheckConstraint(condition=models.Q(is_superuser=False), name="no_superuser"),
            # An administrator is nobody's county leader account.
            models.CheckConstraint(
                condition=~models.Q(role__in=["sysadmin", "secadmin", "auditor"])
                | models.Q(leader__isnull=True),
                name="admin_role_has_no_leader",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display(self) -> str:
        unit = f"（{self.unit.label}）" if self.unit_id and self.unit else ""
        return f"{self.full_name or self.username}{unit}"

    @property
    def is_admin_officer(self) -> bool:
        """One of the three administrators (三员), who never read the business."""
        return self.role in ADMIN_ROLES


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords, so the last N cannot be reused (IA-1)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]


def _default_mfa_roles() -> list[str]:
    return ["sysadmin", "secadmin", "auditor", "supervisor"]


class SecurityPolicy(models.Model):
    """The password, session and sign-in policy the secadmin sets: one row (pk 1).

    Read it through `duban.org.policy.current()`, never directly.
    """

    min_length = models.PositiveSmallIntegerField("密码最短长度", default=8)
    min_classes = models.PositiveSmallIntegerField("密码至少包含字符类别数", default=3)
    expiry_days = models.PositiveSmallIntegerField("密码有效期（天，0为不过期）", default=90)
    history_count = models.PositiveSmallIntegerField("不得重复使用最近几次密码", default=5)
    idle_minutes = models.PositiveSmallIntegerField("空闲超时（分钟）", default=30)
    absolute_hours = models.PositiveSmallIntegerField("会话最长时间（小时）", default=12)
    lockout_threshold = models.PositiveSmallIntegerField("连续失败锁定次数", default=5)
    lockout_minutes = models.PositiveSmallIntegerField("锁定时长（分钟）", default=15)
    ip_failure_limit = models.PositiveSmallIntegerField(
        "同一地址失败次数上限（所有账号合计）", default=20
    )
    mfa_roles = models.JSONField("须双因素认证的角色", default=_default_mfa_roles)
    # Sign-in address allowlists: {"*": [...], "sysadmin": [...]}; CIDR strings. An empty
    # or missing list means no restriction for that key.
    ip_allowlists = models.JSONField("登录地址白名单", default=dict)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全策略"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="securitypolicy_single_row"),
            models.CheckConstraint(
                condition=models.Q(min_length__gte=8, min_length__lte=64),
                name="policy_min_length_range",
            ),
            models.CheckConstraint(
                condition=models.Q(min_classes__gte=1, min_classes__lte=4),
                name="policy_min_classes_range",
            ),
        ]
