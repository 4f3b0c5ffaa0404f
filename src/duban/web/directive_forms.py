"""Forms for registering a directive and decomposing it into tasks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from duban.org.models import Leader, Unit
from duban.web.common import year_in_range
from duban.web.fields import SafeModelChoiceField, pk_value
from duban.work.deadlines import parse_due_typed
from duban.work.models import Cycle, DirectiveKind, Urgency


class UnitListField(forms.Field):
    """Unit ids from the picker's hidden inputs, kept in the order chosen (first lead leads)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[Unit]:
        ids: list[int] = []
        for raw in value or []:
            pk = pk_value(raw)
            if pk is None:
                raise forms.ValidationError("单位选择无效。")
            ids.append(pk)
        ids = list(dict.fromkeys(ids))
        units = Unit.objects.in_bulk(ids)
        missing = [i for i in ids if i not in units]
        if missing:
            raise forms.ValidationError("所选单位不存在，请重新选择。")
        return [units[i] for i in ids]

    def validate(self, value: list[Unit]) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class DirectiveForm(forms.Form):
    kind = forms.ChoiceField(label="事项来源", choices=DirectiveKind.choices)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    title = forms.CharField(label="标题", max_length=200)
    doc_no = forms.CharField(label="文号", max_length=100, required=False)
    issuer_leader = SafeModelChoiceField(
        label="批示领导",
        queryset=Leader.objects.all(),
        required=False,
        empty_label="（无）",
        error_messages={"invalid_choice": "所选领导无效，请重新选择。"},
        help_text="事项来源为领导批示时必选；回音时通知该领导。",
    )
    issuer = forms.CharField(label="来文单位/交办方", max_length=100, required=False)
    received_at = forms.DateTimeField(
        label="收文时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[year_in_range],
    )
    text = forms.CharField(label="正文", widget=forms.Textarea, required=False)
    assign_now = forms.BooleanField(
        label="登记后立即交办（即批即转）", required=False, initial=True
    )

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise forms.ValidationError("收文时间不能晚于现在。")
        return value


class TaskForm(forms.Form):
    content = forms.CharField(label="事项内容", widget=forms.Textarea(attrs={"rows": 2}))
    requirement = forms.CharField(
        label="质量要求", required=False, widget=forms.Textarea(attrs={"rows": 1})
    )
    leader = SafeModelChoiceField(
        label="牵头领导",
        queryset=Leader.objects.all(),
        required=False,
        empty_label="（按牵头单位分管领导）",
        error_messages={"invalid_choice": "所选领导无效，请重新选择。"},
    )
    lead = UnitListField(label="牵头单位")
    co = UnitListField(label="配合单位", required=False)
    due = forms.CharField(
        label="完成时限",
        required=False,
        max_length=40,
        help_text="日期（2026-12-31）、“6月底前”“年底前”或“5个工作日”“30天”“3个月”；不填按默认时限",
    )
    cycle = forms.ChoiceField(label="报送周期", choices=Cycle.choices, initial=Cycle.NONE)
    cycle_day = forms.IntegerField(
        label="报送日",
        required=False,
        min_value=1,
        max_value=31,
        help_text="每周：1-7（周一至周日）；每月：几日前",
    )
    is_key = forms.BooleanField(label="重点督办", required=False)

    def clean_due(self) -> dict[str, Any]:
        try:
            # Today is the base of year-less phrases (6月底前, 年底前): the office registers
            # and sends out on the day a directive arrives (即批即转).
            return parse_due_typed(self.cleaned_data["due"], today=timezone.localdate())
        except ValueError as e:
            raise forms.ValidationError(str(e)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, co = data.get("lead") or [], data.get("co") or []
        if {u.pk for u in lead} & {u.pk for u in co}:
            self.add_error("co", "同一单位不能既是牵头单位又是配合单位。")
        if data.get("cycle") == Cycle.WEEKLY and (data.get("cycle_day") or 5) > 7:
            self.add_error("cycle_day", "每周报送日须为1至7。")
        return data

    def chosen(self, name: str) -> list[tuple[int, str]]:
        """The units already picked, to redraw the chips after a failed submit."""
        raw = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
        ids = [pk for pk in map(pk_value, raw) if pk is not None]
        units = Unit.objects.in_bulk(ids)
        return [(i, units[i].label) for i in ids if i in units]

    @property
    def lead_chosen(self) -> list[tuple[int, str]]:
        return self.chosen("lead")

    @property
    def co_chosen(self) -> list[tuple[int, str]]:
        return self.chosen("co")


TaskFormSet = forms.formset_factory(TaskForm, extra=0, min_num=1, validate_min=True)
