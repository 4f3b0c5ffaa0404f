"""Forms for the actions on the task page (签收, 退回, 报送进展 … 销号, 延期审批).

A form only turns the POST into typed values and asks for what is plainly missing, with
the same Chinese message the action would give; the action decides everything else and
its refusal comes back next to the field it names (`ActionError.field`).

Forms whose decision is made by the button pressed (审核通过/退回重办, 同意/不同意) carry
it in a hidden field (`accept`, `approve`) that only the buttons fill; `buttons` lists them for the
template. The field names match the actions' keyword arguments.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from duban.org.models import Unit
from duban.web.common import year_in_range
from duban.web.fields import SafeModelChoiceField, SafeModelMultipleChoiceField
from duban.work.deadlines import parse_due_typed

# (label, field name, value, css class) for each submit button of a form.
Button = tuple[str, str, str, str]


def _required(label: str) -> dict[str, str]:
    return {"required": f"请填写{label}。"}


def _text(label: str, *, required: bool = True, rows: int = 3, **kw: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=_required(label),
        **kw,
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """`<input type=file multiple>`: the views pass `request.FILES.getlist(name)` on."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(f, initial) for f in data]
        return [one(data, initial)] if data else []


def _files(label: str) -> MultipleFileField:
    field = MultipleFileField(
        label=label,
        required=False,
        help_text="可选择多个文件，每个不超过20MB。",
    )
    # The same limits checked in the browser (static/duban/uploads.js) before sending,
    # so a too-large choice is refused without losing what was typed.
    from django.conf import settings

    from duban.work.uploads import MAX_FILE_BYTES

    field.widget.attrs.update(
        {
            "data-max-file-bytes": str(MAX_FILE_BYTES),
            "data-max-total-bytes": str(settings.DUBAN_UPLOAD_MAX_REPORT_BYTES),
            "data-max-files": str(settings.DUBAN_UPLOAD_MAX_FILES),
        }
    )
    return field


def _decision(choices: list[tuple[str, str]], message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=choices,
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
        error_messages={"required": message, "invalid_choice": message},
    )


class ActionForm(forms.Form):
    buttons: list[Button] = []


class ReceiveForm(ActionForm):
    buttons = [("签收", "", "", "primary")]


class ReturnForm(ActionForm):
    reason = _text("退回理由", help_text="说明该事项为何不属于本单位职责，督查室将改派。")
    buttons = [("退回督查室", "", "", "danger")]


class ReportForm(ActionForm):
    text = _text("进展情况", rows=4)
    attachments = _files("附件")
    buttons = [("报送", "", "", "primary")]


class ExtendForm(ActionForm):
    new_due = forms.DateField(
        label="申请延至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写申请延至的日期。", "invalid": "请填写有效的日期。"},
        validators=[year_in_range],
    )
    reason = _text("延期理由")
    buttons = [("提交延期申请", "", "", "")]


class UrgeForm(ActionForm):
    message = _text("催办内容", rows=2, initial="请抓紧办理，按时报送办理情况。")
    buttons = [("催办", "", "", "")]


class CommentForm(ActionForm):
    text = _text("批示内容", rows=3)
    buttons = [("发送批示", "", "", "primary")]


class SubmitForm(ActionForm):
    text = _text("办结情况", rows=4)
    attachments = _files("佐证材料")
    buttons = [("报送办结", "", "", "primary")]


class VerifyForm(ActionForm):
    accept = _decision([("1", "审核通过"), ("0", "退回重办")], "请选择审核通过或退回重办。")
    reason = _text("审核意见（退回重办时必填）", required=False, rows=2)
    # Shown only when a co-unit never signed or never reported (views/tasks.py `_panels`).
    confirm_co = forms.BooleanField(
        label="已知悉上述配合单位未签收或未报送，确认审核通过（记入流转记录）", required=False
    )
    buttons = [("审核通过", "accept", "1", "primary"), ("退回重办", "accept", "0", "danger")]


class CloseForm(ActionForm):
    note = forms.CharField(label="销号说明（可不填）", required=False, max_length=200)
    buttons = [("办结销号", "", "", "primary")]


class WithdrawForm(ActionForm):
    reason = _text("撤销原因", rows=2)
    buttons = [("撤销事项", "", "", "danger")]


class ReassignForm(ActionForm):
    lead = SafeModelChoiceField(
        label="牵头单位",
        queryset=Unit.objects.none(),
        empty_label=None,
        error_messages={"required": "请选择牵头单位。", "invalid_choice": "所选单位无效。"},
    )
    co = SafeModelMultipleChoiceField(
        label="配合单位（可多选）",
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="按住Ctrl（手机上直接点选）可选多个单位。",
        error_messages={"invalid_choice": "所选单位无效。"},
    )
    due = forms.CharField(
        label="新完成时限（可不填）",
        required=False,
        max_length=40,
        help_text="不填则沿用原时限；可填日期（2026-12-31）或“10个工作日”“30天”。",
    )
    reason = _text("改派原因", rows=2)
    buttons = [("改派", "", "", "")]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = Unit.objects.filter(is_active=True).order_by("order", "id")
        self.fields["lead"].queryset = active  # type: ignore[attr-defined]
        self.fields["co"].queryset = active  # type: ignore[attr-defined]

    def clean_due(self) -> dict[str, Any]:
        try:
            # Today is the base of year-less phrases (6月底前, 年底前): the office registers
            # and sends out on the day a directive arrives (即批即转).
            return parse_due_typed(self.cleaned_data["due"], today=timezone.localdate())
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, co = data.get("lead"), data.get("co") or []
        if lead is not None:
            data["co"] = [u for u in co if u.pk != lead.pk]  # a lead is not also a co-unit
        return data


class DecideUnitReviewForm(ActionForm):
    approve = _decision([("1", "同意报送"), ("0", "退回经办人")], "请选择同意报送或退回经办人。")
    reason = _text("审核意见（退回时必填）", required=False, rows=2)
    buttons = [("同意报送", "approve", "1", "primary"), ("退回经办人", "approve", "0", "danger")]


class DecideExtensionForm(ActionForm):
    approve = _decision([("1", "同意延期"), ("0", "不同意")], "请选择同意或不同意。")
    new_due = forms.DateField(
        label="批准延至（默认为申请的日期）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请填写有效的日期。"},
        validators=[year_in_range],
    )
    reason = _text("审批意见（不同意时必填）", required=False, rows=2)
    buttons = [("同意延期", "approve", "1", "primary"), ("不同意", "approve", "0", "danger")]
