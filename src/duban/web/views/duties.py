"""办公室自身职责 (issue 16): 三会一课 and 主题党日, 廉政约谈, the other duties, and the
述职述廉 draft the director edits before producing it.

Thin views: the office's staff (supervisor) keep the records; a county leader reads them.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.documents import pdf
from duban.duties import actions, diff, export, lines, report, selectors
from duban.duties import calendar as cal
from duban.duties.models import (
    SESSION_CHOICES,
    CatalogueKind,
    DraftingAssignment,
    DraftKind,
    DutyFile,
    DutyPost,
    IntegrityTalk,
    PartyBranch,
    PostCategory,
    Study,
)
from duban.org.models import Leader, Role, Unit, User
from duban.web.common import acting_user, roles_required, year_in_range
from duban.web.views.files import XLSX, _download, _file
from duban.work import uploads
from duban.work.errors import ActionError, Refused

READERS = (Role.SUPERVISOR, Role.LEADER)
LIGHT_WORDS = {
    cal.Light.DONE: "已开展",
    cal.Light.GREEN: "未到期",
    cal.Light.YELLOW: "临近期限",
    cal.Light.RED: "逾期未开展",
    cal.Light.FUTURE: "未开始",
}


def _year(request: HttpRequest, today: date) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if re.fullmatch(r"[0-9]{4}", raw) and 2000 <= int(raw) <= today.year:
        return int(raw)
    return today.year


def _years(today: date) -> list[int]:
    return list(range(today.year, today.year - 5, -1))


def _fail(request: HttpRequest, form: forms.Form, e: ActionError) -> None:
    if isinstance(e, Refused):
        raise e
    if e.field and e.field in form.fields:
        form.add_error(e.field, e.message)
    else:
        form.add_error(None, e.message)


# ---------------------------------------------------------------- 三会一课


class SessionForm(forms.Form):
    branch = forms.ModelChoiceField(
        label="支部", queryset=PartyBranch.objects.filter(is_active=True), empty_label=None
    )
    kind = forms.ChoiceField(label="类别", choices=SESSION_CHOICES)
    held_on = forms.DateField(
        label="召开日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    topic = forms.CharField(label="主题", max_length=200)
    expected = forms.IntegerField(label="应到人数", min_value=1, max_value=999)
    attended = forms.IntegerField(label="实到人数", min_value=0, max_value=999)
    absent = forms.CharField(
        label="缺席人员及原因", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    minutes = forms.CharField(
        label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = forms.FileField(
        label="照片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"allow_multiple_selected": True}),
    )


LIGHT_CLASS = {cal.Light.DONE: "on_time", cal.Light.FUTURE: "none"}


def _cell(row: selectors.SlotRow) -> dict[str, str]:
    slot = row.slot
    quarterly = slot.due.month != slot.start.month
    short = f"{slot.due.month // 3}季度" if quarterly else f"{slot.start.month}月"
    held = "、".join(f"{a.held_on.month}月{a.held_on.day}日" for a in row.activities)
    mark = {cal.Light.DONE: "✓", cal.Light.RED: "✗"}.get(row.light, "")
    return {
        "short": short + mark,
        "cls": LIGHT_CLASS.get(row.light, row.light),
        "title": f"{slot.label}：{LIGHT_WORDS[row.light]}" + (f"（{held}）" if held else ""),
    }


def _party_page(request: HttpRequest, form: SessionForm | None = None) -> HttpResponse:
    today = timezone.localdate()
    year = _year(request, today)
    calendar = selectors.branch_calendar(year=year, today=today)
    kinds = list(cal.SessionKind)
    grid: list[dict[str, Any]] = []
    missed = 0
    for by in calendar:
        missed += len(by.red)
        cells: dict[str, list[dict[str, str]]] = {k.value: [] for k in kinds}
        for row in by.rows:
            cells[row.slot.kind].append(_cell(row))
        grid.append(
            {
                "branch": by.branch,
                "cells": [(cal.LABELS[k], cells[k.value]) for k in kinds],
                "red": by.red,
            }
        )
    leads = selectors.theme_day_leads(year)
    stored = selectors.theme_day_stored(year=year)
    return render(
        request,
        "duties/party.html",
        {
            "year": year,
            "years": _years(today),
            "grid": grid,
            "missed": missed,
            "rotation": [(m, leads[m], m in stored) for m in sorted(leads)],
            "rotation_stored": bool(stored),
            "activities": selectors.recent_activities(year=year),
            "form": form or SessionForm(initial={"held_on": today}),
            "light_words": LIGHT_WORDS,
        },
        status=400 if form is not None else 200,
    )


@roles_required(*READERS)
def party(request: HttpRequest) -> HttpResponse:
    return _party_page(request)


@require_POST
@roles_required(Role.SUPERVISOR)
def session_new(request: HttpRequest) -> HttpResponseBase:
    form = SessionForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_session(
                branch=d["branch"], kind=d["kind"], held_on=d["held_on"], topic=d["topic"],
                attended=d["attended"], expected=d["expected"], absent=d["absent"],
                minutes=d["minutes"], photos=request.FILES.getlist("photos"),
                by=acting_user(request),
            )  # fmt: skip
        except ActionError as e:
            _fail(request, form, e)
        else:
            messages.success(request, "已登记。")
            return redirect(f"{reverse('duties_party')}?year={d['held_on'].year}")
    return _party_page(request, form)


@require_POST
@roles_required(Role.SUPERVISOR)
def rotation(request: HttpRequest) -> HttpResponseBase:
    year = _year(request, timezone.localdate())
    try:
        actions.plan_theme_days(year=year, by=acting_user(request))
        messages.success(request, f"已生成{year}年主题党日轮值表；已生成的月份保持不变。")
    except ActionError as e:
        messages.error(request, e.message)
    return redirect(f"{reverse('duties_party')}?year={year}")


@roles_required(*READERS)
def party_export(request: HttpRequest) -> HttpResponseBase:
    today = timezone.localdate()
    year = _year(request, today)
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    fh.write(export.year_book(year=year, today=today))
    return _download(fh, f"{year}年三会一课及廉政约谈记录.xlsx", XLSX)


# ---------------------------------------------------------------- 廉政约谈


class TalkForm(forms.Form):
    held_on = forms.DateField(
        label="约谈日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    talker = forms.CharField(label="约谈人", max_length=50)
    points = forms.CharField(label="约谈要点", widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = forms.CharField(
        label="整改跟进", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _talks_page(
    request: HttpRequest, form: TalkForm | None = None, talk: IntegrityTalk | None = None
) -> HttpResponse:
    today = timezone.localdate()
    year = _year(request, today) if talk is None else talk.year
    return render(
        request,
        "duties/talks.html",
        {
            "year": year,
            "years": _years(today),
            "rows": selectors.talk_plan(year=year, today=today),
            "missing": selectors.talks_missing(year=year, today=today),
            "form": form or TalkForm(initial={"held_on": today}),
            "talk": talk,
            "pending": IntegrityTalk.objects.filter(year=year, held_on__isnull=True).select_related(
                "post"
            ),
            "light_words": {**LIGHT_WORDS, cal.Light.DONE: "已约谈", cal.Light.RED: "缺季"},
        },
        status=400 if form is not None else 200,
    )


@roles_required(*READERS)
def talks(request: HttpRequest) -> HttpResponse:
    return _talks_page(request)


@require_POST
@roles_required(Role.SUPERVISOR)
def talks_plan(request: HttpRequest) -> HttpResponseBase:
    year = _year(request, timezone.localdate())
    try:
        made = actions.plan_talks(year=year, by=acting_user(request))
        messages.success(request, f"已生成约谈计划，新增{len(made)}人次。")
    except ActionError as e:
        messages.error(request, e.message)
    return redirect(f"{reverse('duties_talks')}?year={year}")


@require_POST
@roles_required(Role.SUPERVISOR)
def talk_record(request: HttpRequest, pk: int) -> HttpResponseBase:
    talk = get_object_or_404(IntegrityTalk, pk=pk)
    form = TalkForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_talk(talk=talk, by=acting_user(request), **d)
        except ActionError as e:
            _fail(request, form, e)
        else:
            messages.success(request, "已登记约谈。")
            return redirect(f"{reverse('duties_talks')}?year={talk.year}")
    return _talks_page(request, form, talk)


# ---------------------------------------------------------------- the other duties


@roles_required(*READERS)
def work(request: HttpRequest) -> HttpResponse:
    """责任清单, 调研, 放管服 lists and 文稿起草 of the year, read-only here."""
    today = timezone.localdate()
    year = _year(request, today)
    lists = selectors.responsibility_lists(year=year)
    units = {u.code: u.label for u in Unit.objects.all()}
    catalogues: list[dict[str, Any]] = []
    for c in selectors.catalogues():
        versions = selectors.catalogue_versions(c)
        changes = None
        if len(versions) > 1:
            found = diff.catalogue(versions[-2].items, versions[-1].items)
            changes = {
                "empty": found.empty,
                "added": [r["name"] for r in found.added],
                "removed": [r["name"] for r in found.removed],
                "moved": [
                    (r["name"], units.get(old, old), units.get(r["unit"], r["unit"]))
                    for r, old in found.moved
                ],
            }
        catalogues.append({"catalogue": c, "versions": versions, "changes": changes})
    drafts = []
    for a in selectors.drafting(year=year):
        files = selectors.draft_versions(a)
        lines = diff.text_lines(files[-2].text, files[-1].text) if len(files) > 1 else []
        drafts.append(
            {
                "a": a,
                "light": selectors.drafting_light(a, today),
                "versions": files,
                "diff": lines,
            }
        )
    return render(
        request,
        "duties/work.html",
        {
            "year": year,
            "years": _years(today),
            "lists": [(rl, rl.directive.tasks.order_by("number")) for rl in lists],
            "studies": [
                (s, selectors.study_reports(s), s.directives.all())
                for s in selectors.studies(year=year)
            ],
            "catalogues": catalogues,
            "measures": selectors.reform_measures(year=year),
            "drafts": drafts,
            "light_words": {**LIGHT_WORDS, cal.Light.DONE: "已定稿", cal.Light.RED: "逾期"},
            "posts": selectors.posts().filter(is_active=True),
            "catalogue_kinds": CatalogueKind.choices,
            "study_form": StudyForm(),
            "drafting_form": DraftingForm(),
        },
    )


# ---------------------------------------------------------------- 述职述廉


# Where a person checks a figure: the page listing what the figure counts.
PAGE_OF = {
    "duties_party": "congresses committees groups lectures theme_days sessions sessions_missed",
    "duties_talks": "talks talks_missing",
    "duties_work": "studies drafts reform_measures reform_closed responsibility_unmet",
    "documents": "directives tasks_assigned tasks_closed on_time_rate reported_back bulletins",
    "ledger": "meetings meeting_decisions major_decisions red_tasks open_red events",
}
FIGURE_PAGES = {key: page for page, keys in PAGE_OF.items() for key in keys.split()}


def _posted_sections(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for key in report.HEADINGS:
        text = request.POST.get(f"text-{key}", "")
        out.append(
            {
                "key": key,
                "heading": request.POST.get(f"heading-{key}", ""),
                "paragraphs": [p.strip() for p in text.splitlines() if p.strip()],
            }
        )
    return out


@roles_required(Role.SUPERVISOR)
def duty_report(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    today = timezone.localdate()
    year = _year(request, today)
    figures = report.figures(user, year, today=today)
    if request.method == "POST":
        try:
            v = actions.save_report_draft(year=year, sections=_posted_sections(request), by=user)
        except ActionError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, f"已保存为第{v.number}稿。")
            return redirect(f"{reverse('duties_report')}?year={year}")
    sections, version = report.current(user, year, today=today)
    fmt = request.GET.get("format")
    if fmt in ("docx", "pdf"):
        content = report.build(sections, year=year).to_bytes()
        name = f"{year}年度述职述廉报告" + (f"（第{version}稿）" if version else "（初稿）")
        try:
            return _file(content, name, fmt)  # a PDF through LibreOffice, as the others
        except pdf.PdfUnavailable as e:
            messages.error(request, str(e))
            return redirect(f"{reverse('duties_report')}?year={year}")
    return render(
        request,
        "duties/report.html",
        {
            "year": year,
            "years": _years(today),
            "figures": [(f, FIGURE_PAGES.get(f.key, "ledger")) for f in figures.values()],
            "sections": [(s, "\n".join(s.paragraphs)) for s in sections],
            "version": version,
            "versions": selectors.report_versions(year=year)[::-1],
            "missed": report.missed_lines(year, today),
            "pdf_available": pdf.available(),
        },
    )


# ---------------------------------------------------------------- settings: branches, posts


class BranchForm(forms.Form):
    name = forms.CharField(label="支部名称", max_length=100)
    secretary = forms.ModelChoiceField(
        label="支部书记", queryset=User.objects.filter(is_active=True), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label="党员（系统用户）", queryset=User.objects.filter(is_active=True), required=False
    )
    other_members = forms.CharField(
        label="其他党员（每行一人）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order = forms.IntegerField(label="排序", min_value=0, max_value=999, initial=0)


class PostForm(forms.Form):
    title = forms.CharField(label="岗位", max_length=100)
    holder = forms.CharField(label="现任人员", max_length=50)
    category = forms.ChoiceField(label="类别", choices=PostCategory.choices)
    unit = forms.ModelChoiceField(
        label="所在单位（股室）", queryset=Unit.objects.filter(is_active=True)
    )
    order = forms.IntegerField(label="排序", min_value=0, max_value=999, initial=0)


def _settings_page(
    request: HttpRequest, branch_form: BranchForm | None = None, post_form: PostForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "duties/settings.html",
        {
            "year": _year(request, today),
            "years": _years(today),
            "branches": selectors.branches(),
            "posts": selectors.posts(),
            "branch_form": branch_form or BranchForm(),
            "post_form": post_form or PostForm(),
        },
        status=400 if branch_form is not None or post_form is not None else 200,
    )


@roles_required(Role.SUPERVISOR)
def settings_page(request: HttpRequest) -> HttpResponse:
    return _settings_page(request)


@require_POST
@roles_required(Role.SUPERVISOR)
def branch_new(request: HttpRequest) -> HttpResponseBase:
    form = BranchForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.save_branch(
                name=d["name"], order=d["order"], secretary=d["secretary"],
                members=list(d["members"]), other_members=d["other_members"],
                by=acting_user(request),
            )  # fmt: skip
        except ActionError as e:
            _fail(request, form, e)
        else:
            messages.success(request, f"已设置{d['name']}。")
            return redirect("duties_settings")
    return _settings_page(request, branch_form=form)


@require_POST
@roles_required(Role.SUPERVISOR)
def post_new(request: HttpRequest) -> HttpResponseBase:
    form = PostForm(request.POST)
    if form.is_valid():
        try:
            actions.save_post(by=acting_user(request), **form.cleaned_data)
        except ActionError as e:
            _fail(request, form, e)
        else:
            messages.success(request, "已添加岗位。")
            return redirect("duties_settings")
    return _settings_page(request, post_form=form)


# ---------------------------------------------------------------- files in and out


@roles_required(*READERS)
def duty_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A photo, a research report or a draft version, checked against its digest."""
    f = get_object_or_404(DutyFile, pk=pk)
    handle = uploads.open_verified(f.file, f.digest, f.algorithm)
    if handle is None:
        return render(
            request,
            "web/refused.html",
            {"message": f"文件“{f.name}”完整性校验失败（与上传时登记的不一致），已拒绝下载。"},
            status=409,
        )
    return FileResponse(handle, as_attachment=True, filename=f.name)


class DraftUploadForm(forms.Form):
    file = forms.FileField(label="上传新一稿（.docx）")


class DraftReviewForm(forms.Form):
    accept = forms.TypedChoiceField(
        label="审核意见", choices=[("1", "同意定稿"), ("0", "退回修改")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(
        label="修改意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@require_POST
@roles_required(*READERS)
def draft_upload(request: HttpRequest, pk: int) -> HttpResponseBase:
    a = get_object_or_404(DraftingAssignment, pk=pk)
    form = DraftUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文稿。")
    else:
        try:
            v = actions.upload_draft(
                assignment=a, file=form.cleaned_data["file"], by=acting_user(request)
            )
            messages.success(request, f"已上传第{v.version}稿，送审核。")
        except Refused:
            raise
        except ActionError as e:
            messages.error(request, e.message)
    return redirect(f"{reverse('duties_work')}?year={a.year}#draft-{a.pk}")


@require_POST
@roles_required(*READERS)
def draft_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    a = get_object_or_404(DraftingAssignment, pk=pk)
    form = DraftReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核意见。")
    else:
        try:
            actions.review_draft(assignment=a, by=acting_user(request), **form.cleaned_data)
            messages.success(request, "已审核。")
        except Refused:
            raise
        except ActionError as e:
            messages.error(request, e.message)
    return redirect(f"{reverse('duties_work')}?year={a.year}#draft-{a.pk}")


# ---------------------------------------------------------------- the other duties: writes


def _unit(name: str) -> Unit:
    found = (
        Unit.objects.filter(is_active=True)
        .filter(Q(code=name) | Q(short_name=name) | Q(name=name))
        .first()
    )
    if found is None:
        raise lines.LineError(f"找不到单位“{name}”。")
    return found


def _work_back(request: HttpRequest, done: str, fn: Any, **kwargs: Any) -> HttpResponseBase:
    """Run an action from a work-page form; a refusal or a bad line becomes a message."""
    try:
        fn(by=acting_user(request), **kwargs)
        messages.success(request, done)
    except Refused:
        raise
    except ActionError as e:
        messages.error(request, e.message)
    return redirect(f"{reverse('duties_work')}?year={kwargs.get('year', '')}")


@require_POST
@roles_required(Role.SUPERVISOR)
def list_new(request: HttpRequest) -> HttpResponseBase:
    """责任清单: one post, items typed "事项｜完成时限"."""
    year = _year(request, timezone.localdate())
    post = DutyPost.objects.filter(pk=request.POST.get("post") or 0).first()
    try:
        if post is None:
            raise lines.LineError("请选择岗位。")
        rows = lines.split(request.POST.get("items", ""), fields=2, label="清单事项")
        items = [actions.Item(c, lines.day(d, n, "清单事项")) for n, (c, d) in enumerate(rows, 1)]
    except lines.LineError as e:
        messages.error(request, e.message)
        return redirect(f"{reverse('duties_work')}?year={year}")
    return _work_back(
        request, "已下达责任清单。", actions.register_responsibility_list, year=year, post=post,
        items=items,
    )  # fmt: skip


@require_POST
@roles_required(Role.SUPERVISOR)
def measures_new(request: HttpRequest) -> HttpResponseBase:
    """改革措施 (重点工作): items typed "措施｜责任单位｜完成时限"."""
    year = _year(request, timezone.localdate())
    try:
        rows = lines.split(request.POST.get("items", ""), fields=3, label="改革措施")
        items = [
            actions.Item(c, lines.day(d, n, "改革措施"), _unit(u))
            for n, (c, u, d) in enumerate(rows, 1)
        ]
    except lines.LineError as e:
        messages.error(request, e.message)
        return redirect(f"{reverse('duties_work')}?year={year}")
    return _work_back(
        request, "已登记改革措施。", actions.register_reform_measures, year=year,
        title=request.POST.get("title", ""), items=items,
    )  # fmt: skip


@require_POST
@roles_required(Role.SUPERVISOR)
def catalogue_new(request: HttpRequest) -> HttpResponseBase:
    """A new version of a 放管服 list: items typed "事项名称｜责任单位"."""
    today = timezone.localdate()
    year = _year(request, today)
    try:
        rows = lines.split(request.POST.get("items", ""), fields=2, label="清单事项")
        items = [{"name": name, "unit": _unit(u).code} for name, u in rows]
    except lines.LineError as e:
        messages.error(request, e.message)
        return redirect(f"{reverse('duties_work')}?year={year}")
    try:
        actions.publish_catalogue(
            kind=request.POST.get("kind", ""), name=request.POST.get("name", ""), items=items,
            published_on=today, by=acting_user(request),
        )  # fmt: skip
        messages.success(request, "已发布新版本。")
    except Refused:
        raise
    except ActionError as e:
        messages.error(request, e.message)
    return redirect(f"{reverse('duties_work')}?year={year}")


class StudyForm(forms.Form):
    topic = forms.CharField(label="课题", max_length=200)
    staff = forms.ModelChoiceField(
        label="承担人", queryset=User.objects.filter(is_active=True, role=Role.SUPERVISOR)
    )
    leader = forms.ModelChoiceField(label="牵头领导", queryset=Leader.objects.all(), required=False)


class DraftingForm(forms.Form):
    kind = forms.ChoiceField(label="文稿类别", choices=DraftKind.choices)
    title = forms.CharField(label="文稿名称", max_length=200)
    drafter = forms.ModelChoiceField(label="起草人", queryset=User.objects.filter(is_active=True))
    reviewer = forms.ModelChoiceField(label="审核人", queryset=User.objects.filter(is_active=True))
    due = forms.DateField(
        label="完成时限",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )


def _form_back(
    request: HttpRequest, form: forms.Form, done: str, fn: Any, **kw: Any
) -> HttpResponseBase:
    year = _year(request, timezone.localdate())
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        label = form.fields[name].label if name in form.fields else ""
        text = str(errors[0])
        messages.error(request, f"{label}：{text}" if label else text)
        return redirect(f"{reverse('duties_work')}?year={year}")
    return _work_back(request, done, fn, year=year, **form.cleaned_data, **kw)


@require_POST
@roles_required(Role.SUPERVISOR)
def study_new(request: HttpRequest) -> HttpResponseBase:
    return _form_back(request, StudyForm(request.POST), "已确定调研课题。", actions.open_study)


@require_POST
@roles_required(Role.SUPERVISOR)
def drafting_new(request: HttpRequest) -> HttpResponseBase:
    return _form_back(
        request, DraftingForm(request.POST), "已布置起草任务。", actions.assign_drafting
    )


class VisitForm(forms.Form):
    on = forms.DateField(
        label="走访日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    place = forms.CharField(label="走访地点", max_length=100)
    notes = forms.CharField(label="走访情况", required=False, max_length=2000)


class StudyReportForm(forms.Form):
    file = forms.FileField(label="调研报告")


class LinkForm(forms.Form):
    code = forms.RegexField(
        label="来文编号",
        regex=r"^[0-9]{4}-[0-9]{1,6}$",
        error_messages={"invalid": "应为2026-0012"},
    )


def _study_action(
    request: HttpRequest, pk: int, form: forms.Form, done: str, fn: Any
) -> HttpResponseBase:
    study = get_object_or_404(Study, pk=pk)
    back = f"{reverse('duties_work')}?year={study.year}#study-{study.pk}"
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}：{errors[0]}")
        return redirect(back)
    kwargs = dict(form.cleaned_data)
    if "code" in kwargs:
        year, serial = kwargs.pop("code").split("-")
        found = selectors.directive_by_code(acting_user(request), int(year), int(serial))
        if found is None:
            messages.error(request, "找不到该来文编号。")
            return redirect(back)
        kwargs["directive"] = found
    try:
        fn(study=study, by=acting_user(request), **kwargs)
        messages.success(request, done)
    except Refused:
        raise
    except ActionError as e:
        messages.error(request, e.message)
    return redirect(back)


@require_POST
@roles_required(Role.SUPERVISOR)
def study_visit(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _study_action(request, pk, VisitForm(request.POST), "已登记走访。", actions.record_visit)


@require_POST
@roles_required(Role.SUPERVISOR)
def study_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    form = StudyReportForm(request.POST, request.FILES)
    return _study_action(request, pk, form, "已提交调研报告。", actions.submit_study_report)


@require_POST
@roles_required(Role.SUPERVISOR)
def study_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _study_action(
        request, pk, DraftReviewForm(request.POST), "已审核。", actions.review_study
    )


@require_POST
@roles_required(Role.SUPERVISOR)
def study_link(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _study_action(request, pk, LinkForm(request.POST), "已关联来文。", actions.link_study)
