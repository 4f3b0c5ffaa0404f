"""办会: the meetings list, one meeting's page through its life, a unit's topic, the
follow-up of earlier decisions, the year's law studies and 三重一大 list, the types."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.audit.access import record
from duban.audit.models import AccessKind
from duban.meetings import actions, documents, rules, selectors
from duban.meetings.models import (
    AgendaState,
    DecisionKind,
    LawStudy,
    Meeting,
    MeetingState,
    MeetingType,
    Presence,
    TopicMaterial,
    TopicState,
)
from duban.org.models import UNIT_ROLES, Role
from duban.records.chain import events_of
from duban.web.common import acting_user, roles_required, run_action
from duban.web.meeting_forms import (
    IssueForm,
    LawStudyForm,
    MatterForm,
    PlanForm,
    TopicForm,
    TypeForm,
    split_names,
    split_pairs,
)
from duban.work import uploads
from duban.work.errors import ActionError

READERS = (Role.SUPERVISOR, Role.LEADER, *UNIT_ROLES)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_for(acting_user(request), pk)
    if meeting is None:
        raise Http404("会议不存在或无权查看。")
    return meeting


def _download(content: bytes, name: str, mime: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _field_error(form: forms.Form, e: ActionError) -> None:
    form.add_error(e.field if e.field in form.fields else None, e.message)


def _first_error(form: forms.Form) -> str:
    return "；".join(str(m) for errs in form.errors.values() for m in errs)


@roles_required(*READERS)
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = PlanForm()
    status = 200
    if request.method == "POST":
        if user.role != Role.SUPERVISOR:
            return HttpResponse("您无权筹备会议。", status=403)
        form = PlanForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = actions.plan_meeting(
                    type=data["type"],
                    starts_at=data["starts_at"],
                    place=data["place"],
                    topic_cutoff=data["topic_cutoff"],
                    by=user,
                    now=timezone.now(),
                )
            except ActionError as e:
                _field_error(form, e)
            else:
                messages.success(request, f"已筹备{meeting.title}，各单位可在截止前报送议题。")
                return redirect("meeting_detail", meeting.pk)
        status = 400
    now = timezone.now()
    context = {
        "meetings": list(selectors.meetings_visible_to(user)[:200]),
        "form": form,
        "open_for_topics": list(selectors.open_for_topics(user, now=now))
        if user.role in UNIT_ROLES
        else [],
        "own_topics": list(selectors.own_topics(user)[:50]) if user.role in UNIT_ROLES else [],
    }
    return render(request, "meetings/list.html", context, status=status)


@roles_required(*READERS)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    meeting = _meeting(request, pk)
    topics = list(selectors.topics_for(user, meeting))
    for t in topics:
        t.label = rules.topic_label(t.position)  # type: ignore[attr-defined]
        t.missing = rules.missing_steps(  # type: ignore[attr-defined]
            is_normative=t.is_normative, affects_market=t.affects_market, checked=t.steps
        )
    versions = selectors.versions(meeting)
    latest = versions[-1] if versions else None
    agenda = [t for t in topics if t.state == TopicState.ON_AGENDA]
    drafted = {i["topic"]: i for i in latest.items} if latest else {}
    for t in agenda:
        item = drafted.get(t.pk, {})
        t.draft_kind = item.get("kind", DecisionKind.AGREED)  # type: ignore[attr-defined]
        t.draft_text = item.get("text", "")  # type: ignore[attr-defined]
    office = user.role == Role.SUPERVISOR
    convener = user.role == Role.LEADER and user.leader_id == meeting.type.convener_id
    context = {
        "meeting": meeting,
        "topics": topics,
        "agenda": agenda,
        "attendance": list(meeting.attendance.all()) if office or user.role == Role.LEADER else [],
        "law": LawStudy.objects.filter(meeting=meeting).first(),
        "versions": versions,
        "latest": latest,
        "office": office,
        "convener": convener,
        "unit_user": user.role in UNIT_ROLES,
        "can_submit": meeting.state == MeetingState.PLANNED
        and meeting.agenda_state == AgendaState.OPEN
        and (office or (user.role in UNIT_ROLES and timezone.now() <= meeting.topic_cutoff)),
        "decision_kinds": DecisionKind.choices,
        "law_form": LawStudyForm(initial=_law_initial(meeting)),
        "issue_form": IssueForm(),
        "matter_form": MatterForm(initial={"decided_on": timezone.localdate(meeting.starts_at)}),
        "matters": list(meeting.major_matters.all()),
        "events": [] if user.role in UNIT_ROLES else _events(meeting),
    }
    return render(request, "meetings/detail.html", context)


def _law_initial(meeting: Meeting) -> dict[str, str]:
    law = LawStudy.objects.filter(meeting=meeting).first()
    return {"law": law.law, "articles": law.articles, "presenter": law.presenter} if law else {}


EVENT_LABELS = {
    "planned": "筹备会议",
    "topic_submitted": "报送议题",
    "steps_recorded": "补充前置程序",
    "agenda_proposed": "拟定议程",
    "agenda_approved": "召集人审定议程",
    "agenda_returned": "召集人退回议程",
    "notice_sent": "发出会议通知",
    "signed_in": "登记签到",
    "law_study": "记录会前学法",
    "minutes_saved": "保存纪要稿",
    "minutes_sent": "纪要送审",
    "minutes_reviewed": "召集人审核纪要",
    "minutes_issued": "印发纪要",
    "major_matter": "记录三重一大事项",
}


def _events(meeting: Meeting) -> list[tuple[str, str, str]]:
    out = []
    for ev in events_of(meeting):
        who = ev.actor.display if ev.actor else ""
        out.append(
            (f"{timezone.localtime(ev.at):%Y-%m-%d %H:%M}", EVENT_LABELS.get(ev.kind, ev.kind), who)
        )
    return out


@roles_required(Role.SUPERVISOR, *UNIT_ROLES)
def topic_new(request: HttpRequest, pk: int) -> HttpResponse:
    """报送议题: a unit (or the office for a unit) with the materials and prior steps."""
    user = acting_user(request)
    meeting = _meeting(request, pk)
    form = TopicForm()
    status = 200
    if request.method == "POST":
        form = TopicForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.submit_topic(
                    meeting=meeting,
                    title=data["title"],
                    unit=data["unit"] if user.role == Role.SUPERVISOR else None,
                    presenter=data["presenter"],
                    summary=data["summary"],
                    is_normative=data["is_normative"],
                    affects_market=data["affects_market"],
                    steps=form.steps(),
                    sitting_in=list(data["sitting_in"]),
                    materials=request.FILES.getlist("materials"),
                    by=user,
                    now=timezone.now(),
                )
            except ActionError as e:
                _field_error(form, e)
            else:
                messages.success(request, f"议题已报送{meeting.title}。")
                return redirect("meeting_detail", meeting.pk)
        status = 400
    return render(
        request,
        "meetings/topic_new.html",
        {"meeting": meeting, "form": form, "office": user.role == Role.SUPERVISOR},
        status=status,
    )


@require_POST
@roles_required(Role.SUPERVISOR)
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """拟定议程: the ticked topics, ordered by the numbers typed beside them."""
    meeting = _meeting(request, pk)
    chosen = []
    for t in meeting.topics.all():
        if request.POST.get(f"on_{t.pk}") == "on":
            raw = request.POST.get(f"pos_{t.pk}", "").strip()
            try:
                order = int(raw) if raw else 999
            except ValueError:
                messages.error(request, f"议题“{t.title}”的顺序须为数字。")
                return redirect("meeting_detail", meeting.pk)
            chosen.append((order, t.pk, t))
    chosen.sort(key=lambda x: (x[0], x[1]))
    if (
        run_action(request, actions.propose_agenda, meeting=meeting, topics=[c[2] for c in chosen])
        is None
    ):
        messages.success(request, "议程已提交召集人审定。")
    return redirect("meeting_detail", meeting.pk)


@require_POST
@roles_required(Role.LEADER)
def agenda_decide(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if request.POST.get("decision") == "return":
        if (
            run_action(
                request,
                actions.return_agenda,
                meeting=meeting,
                reason=request.POST.get("reason", ""),
            )
            is None
        ):
            messages.success(request, "议程已退回督查室。")
    elif run_action(request, actions.approve_agenda, meeting=meeting) is None:
        messages.success(request, "议程已审定。")
    return redirect("meeting_detail", meeting.pk)


@require_POST
@roles_required(Role.SUPERVISOR)
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if run_action(request, actions.send_notice, meeting=meeting) is None:
        messages.success(request, "会议通知已发出。")
    return redirect("meeting_detail", meeting.pk)


@require_POST
@roles_required(Role.SUPERVISOR)
def sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    entries = []
    for a in meeting.attendance.all():
        presence = request.POST.get(f"presence_{a.pk}", "")
        if presence in (Presence.PRESENT, Presence.LEAVE):
            entries.append(actions.SignIn(a, presence, request.POST.get(f"reason_{a.pk}", "")))
    if run_action(request, actions.sign_in, meeting=meeting, entries=entries) is None:
        messages.success(request, "签到已登记。")
    return redirect("meeting_detail", meeting.pk)


@require_POST
@roles_required(Role.SUPERVISOR)
def law_study(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    form = LawStudyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    elif (
        run_action(request, actions.record_law_study, meeting=meeting, **form.cleaned_data) is None
    ):
        messages.success(request, "会前学法已记录。")
    return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#law")


@require_POST
@roles_required(Role.SUPERVISOR)
def minutes_save(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    items = []
    for t in meeting.topics.filter(state=TopicState.ON_AGENDA).order_by("position"):
        text = request.POST.get(f"text_{t.pk}", "")
        if text.strip():
            items.append(actions.MinutesItem(t, request.POST.get(f"kind_{t.pk}", ""), text))
    if (
        run_action(
            request,
            actions.save_minutes,
            meeting=meeting,
            opening=request.POST.get("opening", ""),
            items=items,
        )
        is None
    ):
        n = meeting.minutes.count()
        messages.success(request, f"纪要第{n}稿已保存。")
    return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#minutes")


@require_POST
@roles_required(Role.SUPERVISOR)
def minutes_send(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    if run_action(request, actions.send_minutes_for_review, meeting=meeting) is None:
        messages.success(request, "纪要已送召集人审核。")
    return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#minutes")


@require_POST
@roles_required(Role.LEADER)
def minutes_review(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    approve = request.POST.get("decision") != "return"
    if (
        run_action(
            request,
            actions.review_minutes,
            meeting=meeting,
            approve=approve,
            comment=request.POST.get("comment", ""),
        )
        is None
    ):
        messages.success(request, "纪要已审核同意。" if approve else "纪要已退回修改。")
    return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#minutes")


@require_POST
@roles_required(Role.SUPERVISOR)
def minutes_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """印发纪要 → 会议议定事项: then the decomposition form of the first decision opens,
    pre-filled by the extractor; the meeting page lists the others."""
    meeting = _meeting(request, pk)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写纪要编号。")
        return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#minutes")
    try:
        with transaction.atomic():
            made = actions.issue_minutes(
                meeting=meeting,
                doc_no=form.cleaned_data["doc_no"],
                by=acting_user(request),
                now=timezone.now(),
            )
    except ActionError as e:
        messages.error(request, e.message)
        return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#minutes")
    if not made:
        messages.success(request, "纪要已印发。")
        return redirect("meeting_detail", meeting.pk)
    messages.success(
        request,
        f"纪要已印发，{len(made)}个议题的议定事项已立项为会议议定事项。请逐项核对识别出的任务后交办。",
    )
    return redirect(reverse("directive_detail", args=[made[0].pk]) + "?extract=1#decompose")


@roles_required(Role.SUPERVISOR, Role.LEADER)
def minutes_diff(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        old, new = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        raise Http404("请选择要比较的两稿。") from None
    lines = selectors.version_diff(meeting, old, new)
    if not lines:
        raise Http404("纪要稿不存在。")
    return render(
        request, "meetings/diff.html", {"meeting": meeting, "lines": lines, "old": old, "new": new}
    )


@roles_required(Role.SUPERVISOR, Role.LEADER)
def minutes_docx(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    try:
        content = documents.minutes_docx(user=acting_user(request), meeting=meeting)
    except documents.DocumentError as e:
        messages.error(request, str(e))
        return redirect("meeting_detail", meeting.pk)
    return _download(content, f"{meeting.title}纪要.docx", DOCX)


def _since(request: HttpRequest) -> date | None:
    raw = request.GET.get("since", "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


@roles_required(Role.SUPERVISOR, Role.LEADER)
def followup(request: HttpRequest) -> HttpResponse:
    """上次会议议定事项落实情况: open decisions, each traced to meeting and topic."""
    user = acting_user(request)
    since = _since(request)
    if request.GET.get("format") == "docx":
        return _download(
            documents.followup_docx(user=user, since=since), "会议议定事项落实情况.docx", DOCX
        )
    rows = selectors.open_decisions(user, since=since)
    return render(request, "meetings/followup.html", {"rows": rows, "since": since})


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@roles_required(Role.SUPERVISOR, Role.LEADER)
def law_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    return render(
        request, "meetings/law.html", {"year": year, "studies": selectors.law_studies(year)}
    )


@roles_required(Role.SUPERVISOR, Role.LEADER)
def major(request: HttpRequest) -> HttpResponse:
    """三重一大: the year's list (xlsx for inspection); the office records a matter here,
    at a 党组会/室务会 or, flagged, decided outside one."""
    user = acting_user(request)
    year = _year(request)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return _download(
            documents.major_matters_xlsx(user=user, year=year), f"{year}年三重一大事项.xlsx", XLSX
        )
    form = MatterForm()
    status = 200
    if request.method == "POST":
        if user.role != Role.SUPERVISOR:
            return HttpResponse("您无权记录三重一大事项。", status=403)
        form = MatterForm(request.POST)
        meeting = None
        raw = request.POST.get("meeting", "")
        if raw.isdigit():
            meeting = selectors.meeting_for(user, int(raw))
        if form.is_valid():
            data = form.cleaned_data
            stances = [
                rules.Stance(name.lstrip("*＊").strip(), stance, name.startswith(("*", "＊")))
                for name, stance in split_pairs(data["stances"])
            ]
            try:
                actions.record_major_matter(
                    category=data["category"],
                    title=data["title"],
                    decided_on=data["decided_on"],
                    decision=data["decision"],
                    meeting=meeting,
                    stances=stances,
                    present=split_names(data["present"]),
                    absent=split_pairs(data["absent"]),
                    by=user,
                    now=timezone.now(),
                )
            except ActionError as e:
                _field_error(form, e)
            else:
                messages.success(request, "三重一大事项已记录。")
                if meeting is not None:
                    return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#major")
                return redirect(f"{reverse('meeting_major')}?year={data['decided_on'].year}")
        status = 400
        if meeting is not None:
            messages.error(request, _first_error(form))
            return redirect(reverse("meeting_detail", args=[meeting.pk]) + "#major")
    context = {"year": year, "matters": selectors.major_matters(year), "form": form}
    return render(request, "meetings/major.html", context, status=status)


@roles_required(Role.SUPERVISOR)
def types(request: HttpRequest) -> HttpResponse:
    """会议类型 (the county's settings): who convenes, attends, sits in; the numbering."""
    user = acting_user(request)
    form = TypeForm()
    status = 200
    if request.method == "POST":
        form = TypeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.define_type(
                    name=data["name"],
                    kind=data["kind"],
                    organ=data["organ"],
                    numbering=data["numbering"],
                    convener=data["convener"],
                    attendees=list(data["attendees"]),
                    sitting_in=list(data["sitting_in"]),
                    makes_directives=data["makes_directives"],
                    law_study=data["law_study"],
                    prior_steps=data["prior_steps"],
                    collective=data["collective"],
                    cutoff_days=data["cutoff_days"],
                    by=user,
                    now=timezone.now(),
                )
            except ActionError as e:
                _field_error(form, e)
            else:
                messages.success(request, f"会议类型“{data['name']}”已添加。")
                return redirect("meeting_types")
        status = 400
    found = MeetingType.objects.select_related("convener").prefetch_related(
        "attendees", "sitting_in"
    )
    return render(
        request, "meetings/types.html", {"types": list(found), "form": form}, status=status
    )


@roles_required(*READERS)
def material(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A topic's material, for those who may see the topic; checked against its digest."""
    user = acting_user(request)
    found = TopicMaterial.objects.select_related("topic__meeting").filter(pk=pk).first()
    if found is None or selectors.meeting_for(user, found.topic.meeting_id) is None:
        raise Http404("材料不存在或无权查看。")
    if not selectors.topics_for(user, found.topic.meeting).filter(pk=found.topic_id).exists():
        raise Http404("材料不存在或无权查看。")
    handle = uploads.open_verified(found.file, found.digest, found.algorithm)
    if handle is None:
        record(
            AccessKind.REFUSED,
            user=user,
            target=f"meeting_material:{found.pk}",
            detail=f"meeting material {found.pk} {found.file.name}: integrity check failed",
            request=request,
        )
        return render(
            request,
            "web/refused.html",
            {"message": f"材料“{found.name}”完整性校验失败，已拒绝下载并记入日志。"},
            status=409,
        )
    record(
        AccessKind.DOWNLOAD,
        user=user,
        target=f"meeting_material:{found.pk}",
        detail=f"{found.name} (topic {found.topic_id})",
        request=request,
    )
    return FileResponse(handle, as_attachment=True, filename=found.name)
