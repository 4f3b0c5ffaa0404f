"""Forms of the major-event pages (重大活动, issue 19)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from duban.events import lines
from duban.events.actions import ItemDraft, ParticipantDraft, SiteDraft
from duban.events.models import EventType, Mark, Site
from duban.org.models import Leader
from duban.org.registry import Registry
from duban.web.common import year_in_range
from duban.web.fields import SafeModelChoiceField


class ActivityForm(forms.Form):
    event_type = SafeModelChoiceField(
        label="活动类型",
        queryset=EventType.objects.all(),
        empty_label=None,
        error_messages={"invalid_choice": "所选活动类型无效，请重新选择。"},
    )
    title = forms.CharField(label="活动名称", max_length=100)
    day = forms.DateField(
        label="活动日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    leader = SafeModelChoiceField(
        label="带队领导",
        queryset=Leader.objects.all(),
        required=False,
        empty_label="（无）",
        error_messages={"invalid_choice": "所选领导无效，请重新选择。"},
    )
    purpose = forms.CharField(
        label="活动目的", widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text="不填按活动类型的模板",
    )  # fmt: skip
    sites = forms.CharField(
        label="点位（每行一个：点位｜承办单位｜联系人）",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    schedule = forms.CharField(
        label="日程（每行一项：时间｜内容｜点位｜人员）",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="如：09:00-09:40｜察看标准厂房｜城关镇产业园｜城关镇主要负责同志",
    )
    participants = forms.CharField(
        label="参加人员（县领导姓名或陪同单位，用顿号或换行分隔）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean_day(self) -> Any:
        day = self.cleaned_data["day"]
        if day < timezone.localdate():
            raise forms.ValidationError("活动日期不能早于今天。")
        return day

    def clean_sites(self) -> list[SiteDraft]:
        registry = Registry.load()
        out = []
        try:
            parsed = lines.sites(self.cleaned_data["sites"])
        except lines.LineError as e:
            raise forms.ValidationError(e.message) from None
        for n, s in enumerate(parsed, start=1):
            host = None
            if s.host:
                units = registry.resolve(s.host)
                if not units or len(units) != 1:
                    raise forms.ValidationError(f"点位第{n}行：单位“{s.host}”不在单位库中。")
                host = units[0]
            out.append(SiteDraft(s.name, host, s.contact))
        return out

    def clean_schedule(self) -> list[ItemDraft]:
        try:
            parsed = lines.schedule(self.cleaned_data["schedule"])
        except lines.LineError as e:
            raise forms.ValidationError(e.message) from None
        if not parsed:
            raise forms.ValidationError("请填写日程。")
        return [ItemDraft(p.start, p.what, p.site, p.who, p.end) for p in parsed]

    def clean_participants(self) -> list[ParticipantDraft]:
        registry = Registry.load()
        leaders = {lead.name: lead for lead in Leader.objects.all()}
        leaders.update({str(lead): lead for lead in leaders.values()})
        out = []
        for name in lines.names(self.cleaned_data["participants"]):
            if name in leaders:
                out.append(ParticipantDraft(leader=leaders[name]))
                continue
            units = registry.resolve(name)
            if not units:
                raise forms.ValidationError(f"参加人员“{name}”既不是县领导，也不在单位库中。")
            out += [ParticipantDraft(unit=u) for u in units]
        return out


class ChangeForm(forms.Form):
    start = forms.TimeField(
        label="新时间", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    site = SafeModelChoiceField(
        label="新点位",
        queryset=Site.objects.none(),
        required=False,
        empty_label="（不变）",
        error_messages={"invalid_choice": "所选点位无效，请重新选择。"},
    )
    reason = forms.CharField(label="原因", max_length=100, required=False)

    def __init__(self, *args: Any, activity_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Site.objects.filter(activity_id=activity_id)


MARKS = [Mark.ARRIVED, Mark.STARTED, Mark.DONE, Mark.PROBLEM]
