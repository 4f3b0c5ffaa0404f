"""Forms for the supervision pages (督查): spot checks, findings, appeals, campaigns, key items.

As on the task page, a form only turns the POST into typed values and asks for what is
plainly missing; the supervision actions decide everything else, and their refusal comes
back next to the field it names.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from duban.org.models import Unit
from duban.supervise.models import Check, Verdict
from duban.web.common import year_in_range
from duban.web.fields import SafeModelChoiceField, SafeModelMultipleChoiceField
from duban.web.forms import MultipleFileField, _required, _text
from duban.work.models import DirectiveKind


def _date(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": f"请填写{label}。", "invalid": "请填写有效的日期。"},
        validators=[year_in_range],
    )


def _units(label: str, *, required: bool = False) -> SafeModelMultipleChoiceField:
    return SafeModelMultipleChoiceField(
        label=label,
        queryset=Unit.objects.filter(is_active=True).order_by("order", "id"),
        required=required,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="按住Ctrl可选多个单位；不选则不限。",
        error_messages={"invalid_choice": "所选单位无效。", "required": "请选择单位。"},
    )


class SpotCheckForm(forms.Form):
    title = forms.CharField(label="抽查名称", max_length=100, error_messages=_required("抽查名称"))
    closed_from = _date("办结日期起", required=False)
    closed_to = _date("办结日期止", required=False)
    units = _units("牵头单位")
    kinds = forms.MultipleChoiceField(
        label="事项来源",
        choices=DirectiveKind.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text="不选则不限。",
    )
    is_key = forms.TypedChoiceField(
        label="重点督办",
        required=False,
        choices=[("", "不限"), ("1", "仅重点督办事项"), ("0", "仅一般事项")],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    size = forms.IntegerField(label="样本量（项）", required=False, min_value=1, max_value=100_000)
    rate = forms.DecimalField(
        label="或抽查比例（%）",
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
    )
    stratify = forms.BooleanField(label="按牵头单位分层抽取", required=False)
    seed = forms.IntegerField(
        label="随机种子（可不填）",
        required=False,
        min_value=0,
        max_value=2**63 - 1,  # stored in a BIGINT
        help_text="不填则由系统随机生成并记录；任何人可用同一种子重新抽取核对。",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("size") is None) == (data.get("rate") is None):
            self.add_error("size", "请填写样本量或抽查比例（二选一）。")
        start, end = data.get("closed_from"), data.get("closed_to")
        if start and end and end < start:
            self.add_error("closed_to", "截止日期不能早于起始日期。")
        return data


class FindingForm(forms.Form):
    verdict = forms.ChoiceField(
        label="核实结果",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择核实结果。"},
    )
    notes = _text("核查情况（基本属实、不属实时必填）", required=False, rows=2)
    rectify = forms.BooleanField(label="另行交办整改（仅不属实）", required=False)
    attachments = MultipleFileField(label="现场材料", required=False)


class SummaryForm(forms.Form):
    summary = _text("抽查情况", rows=3)


class AppealForm(forms.Form):
    item_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    reason = _text("申诉理由", rows=2)


class DecideAppealForm(forms.Form):
    uphold = forms.TypedChoiceField(
        choices=[("1", "申诉成立"), ("0", "维持原分")],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
        error_messages={"required": "请选择申诉成立或维持原分。"},
    )
    reason = _text("裁定意见", rows=2)


CODE_SPLIT = re.compile(r"[\s,，、；;]+")


class CampaignForm(forms.Form):
    title = forms.CharField(
        label="专项督查名称", max_length=100, error_messages=_required("专项督查名称")
    )
    theme = _text("督查内容", required=False, rows=2)
    checklist = _text("检查清单（每行一项）", rows=4)
    starts_on = _date("开始日期")
    ends_on = _date("结束日期")
    units = _units("督查单位")
    task_codes = forms.CharField(
        label="督查事项编号（可不填）",
        required=False,
        help_text="如 2026-0012-1，多个以空格或逗号分隔。",
    )

    def checklist_lines(self) -> list[str]:
        return [x.strip() for x in self.cleaned_data["checklist"].splitlines() if x.strip()]

    def codes(self) -> list[str]:
        return [c for c in CODE_SPLIT.split(self.cleaned_data.get("task_codes") or "") if c]


class VisitForm(forms.Form):
    """One visit: the unit, the day, who went, and one result per checklist item."""

    unit = SafeModelChoiceField(
        label="督查单位",
        queryset=Unit.objects.none(),
        error_messages={"required": "请选择单位。", "invalid_choice": "所选单位无效。"},
    )
    visited_on = _date("督查日期")
    inspectors = forms.CharField(
        label="督查人员", max_length=200, error_messages=_required("督查人员")
    )
    notes = _text("其他发现（可不填）", required=False, rows=2)
    rectify = forms.BooleanField(label="对未落实事项另行交办整改", required=False)

    def __init__(self, *args: Any, units: list[Unit], checklist: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[u.pk for u in units]
        ).order_by("order", "id")
        self.items = checklist
        for i, text in enumerate(checklist):
            self.fields[f"check_{i}"] = forms.ChoiceField(
                label=f"{i + 1}. {text}",
                choices=Check.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"请选择“{text}”的检查结果。"},
            )
            self.fields[f"note_{i}"] = forms.CharField(
                label="情况说明", required=False, max_length=500
            )

    def item_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"check_{i}"], self[f"note_{i}"]) for i in range(len(self.items))]

    def results(self) -> list[tuple[str, str]]:
        return [
            (self.cleaned_data[f"check_{i}"], self.cleaned_data.get(f"note_{i}") or "")
            for i in range(len(self.items))
        ]


class ReportForm(forms.Form):
    report = _text("督查报告", rows=6)


class KeyForm(forms.Form):
    code = forms.CharField(
        label="事项编号",
        max_length=20,
        help_text="如 2026-0012-1",
        error_messages=_required("事项编号"),
    )
    reason = forms.CharField(label="理由", max_length=200, error_messages=_required("理由"))


class UnkeyForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200, error_messages=_required("理由"))
