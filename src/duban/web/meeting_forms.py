"""Forms of the meeting pages (办会): each checks its input and names the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from duban.meetings.models import MatterCategory, MeetingKind, MeetingType
from duban.org.models import Leader, Unit
from duban.web.common import year_in_range

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _year_of_datetime(value: Any) -> None:
    year_in_range(value)


class PlanForm(forms.Form):
    type = forms.ModelChoiceField(
        label="会议类型",
        queryset=MeetingType.objects.filter(is_active=True),
        empty_label="请选择",
        error_messages={"required": "请选择会议类型。", "invalid_choice": "会议类型无效。"},
    )
    starts_at = forms.DateTimeField(
        label="召开时间",
        widget=DATETIME,
        validators=[_year_of_datetime],
        error_messages={"required": "请填写召开时间。", "invalid": "召开时间格式无效。"},
    )
    place = forms.CharField(
        label="地点", max_length=100, error_messages={"required": "请填写会议地点。"}
    )
    topic_cutoff = forms.DateTimeField(
        label="议题截止时间",
        required=False,
        widget=DATETIME,
        validators=[_year_of_datetime],
        help_text="不填则按会议类型设定的会前天数截止",
        error_messages={"invalid": "议题截止时间格式无效。"},
    )


STEP_HELP = "填写审查机关、文号或日期；未开展的留空"


class TopicForm(forms.Form):
    title = forms.CharField(
        label="议题名称", max_length=200, error_messages={"required": "请填写议题名称。"}
    )
    unit = forms.ModelChoiceField(
        label="汇报单位",
        queryset=Unit.objects.filter(is_active=True).order_by("order", "id"),
        required=False,
        empty_label="请选择",
    )
    presenter = forms.CharField(label="汇报人", max_length=50, required=False)
    summary = forms.CharField(
        label="议题说明", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_normative = forms.BooleanField(label="涉及规范性文件（须经合法性审查）", required=False)
    affects_market = forms.BooleanField(
        label="涉及市场主体经济活动（须经公平竞争审查）", required=False
    )
    consultation = forms.CharField(
        label="征求意见情况", max_length=200, required=False, help_text=STEP_HELP
    )
    legality = forms.CharField(
        label="合法性审查", max_length=200, required=False, help_text=STEP_HELP
    )
    fair_competition = forms.CharField(
        label="公平竞争审查", max_length=200, required=False, help_text=STEP_HELP
    )
    sitting_in = forms.ModelMultipleChoiceField(
        label="建议列席单位",
        queryset=Unit.objects.filter(is_active=True).order_by("order", "id"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def steps(self) -> dict[str, str]:
        data = self.cleaned_data
        return {k: data.get(k) or "" for k in ("consultation", "legality", "fair_competition")}


class LawStudyForm(forms.Form):
    law = forms.CharField(
        label="法律法规名称", max_length=200, error_messages={"required": "请填写法律法规名称。"}
    )
    articles = forms.CharField(label="条款", max_length=200, required=False)
    presenter = forms.CharField(
        label="讲解人", max_length=100, error_messages={"required": "请填写讲解人。"}
    )


class IssueForm(forms.Form):
    doc_no = forms.CharField(
        label="纪要编号",
        max_length=60,
        help_text="如 云政纪〔2026〕12号",
        error_messages={"required": "请填写纪要编号。"},
    )


class TypeForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60, error_messages={"required": "请填写名称。"})
    kind = forms.ChoiceField(label="类别", choices=MeetingKind.choices)
    organ = forms.CharField(label="召开机关（纪要标志）", max_length=60, initial="县人民政府")
    numbering = forms.CharField(
        label="编号格式",
        max_length=80,
        initial="县政府第{n}次常务会议",
        help_text="{n} 为阿拉伯数字届次，{cn} 为汉字数字",
    )
    convener = forms.ModelChoiceField(
        label="召集人", queryset=Leader.objects.order_by("order", "id"), empty_label="请选择"
    )
    attendees = forms.ModelMultipleChoiceField(
        label="出席", queryset=Leader.objects.order_by("order", "id"), required=False
    )
    sitting_in = forms.ModelMultipleChoiceField(
        label="固定列席单位",
        queryset=Unit.objects.filter(is_active=True).order_by("order", "id"),
        required=False,
    )
    makes_directives = forms.BooleanField(
        label="议定事项转为会议议定事项督办", required=False, initial=True
    )
    law_study = forms.BooleanField(label="会前学法", required=False)
    prior_steps = forms.BooleanField(label="议题须经前置程序（合法性审查等）", required=False)
    collective = forms.BooleanField(label="三重一大集体决策（党组会/室务会）", required=False)
    cutoff_days = forms.IntegerField(
        label="议题截止（会前天数）", min_value=0, max_value=30, initial=3
    )


class MatterForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=MatterCategory.choices)
    title = forms.CharField(
        label="事项", max_length=200, error_messages={"required": "请填写事项。"}
    )
    decided_on = forms.DateField(
        label="决策日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
        error_messages={"required": "请填写决策日期。", "invalid": "决策日期格式无效。"},
    )
    present = forms.CharField(
        label="出席成员", required=False, help_text="姓名之间用顿号或逗号分隔"
    )
    absent = forms.CharField(
        label="缺席成员及事由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一人：姓名：事由",
    )
    stances = forms.CharField(
        label="表态（按发言顺序）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一人：姓名：表态意见；主要负责人在行首加 * 并末位表态",
    )
    decision = forms.CharField(
        label="决定",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写决定。"},
    )


def split_names(text: str) -> list[str]:
    for sep in ("，", ",", "；", ";", " "):
        text = text.replace(sep, "、")
    return [n.strip() for n in text.split("、") if n.strip()]


def split_pairs(text: str) -> list[tuple[str, str]]:
    """Lines "姓名：内容" → [(姓名, 内容)]; a line without a colon has empty content."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, _, rest = line.replace(":", "：").partition("：")
        out.append((name.strip(), rest.strip()))
    return out


def local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")
