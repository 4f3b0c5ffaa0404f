"""Register a directive and decompose it into tasks; its page; assign, report back, withdraw."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.audit.access import record
from duban.audit.models import AccessKind
from duban.org.models import UNIT_ROLES, Role
from duban.org.selectors import leader_of
from duban.web import drafts
from duban.web.common import acting_user, roles_required, run_action
from duban.web.directive_forms import DirectiveForm, TaskFormSet
from duban.web.extract_forms import draft_forms
from duban.work import actions, selectors
from duban.work.errors import ActionError, Invalid
from duban.work.extraction import extract_for_office
from duban.work.models import Directive, DirectiveStatus, TaskStatus


def _drafts(formset: Any) -> list[actions.TaskDraft]:
    drafts = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue  # an added task form left empty
        lead = data["lead"]
        drafts.append(
            actions.TaskDraft(
                content=data["content"],
                requirement=data["requirement"],
                leader=data["leader"] or leader_of(lead[0]),
                lead=lead,
                co=data["co"],
                due=data["due"],
                cycle=data["cycle"],
                cycle_day=data["cycle_day"],
                is_key=data["is_key"],
            )
        )
    return drafts


def _decompose(
    request: HttpRequest, directive: Directive, drafts: list[actions.TaskDraft], assign_now: bool
) -> None:
    user = acting_user(request)
    now = timezone.now()
    tasks = actions.decompose(directive=directive, tasks=drafts, by=user, now=now)
    if assign_now:
        for i, task in enumerate(tasks, start=1):
            try:
                actions.assign(task=task, by=user, now=now)
            except Invalid as e:
                # 完成时限…早于交办日期: shown on that task's form, not at the top of the page.
                if e.message.startswith("第"):
                    raise
                raise Invalid(f"第{i}项任务：{e.message}", log=e.log, field=e.field) from None


def _show_error(e: ActionError, form: Any, formset: Any) -> None:
    """Put an action's refusal next to the field it names, on the right task form."""
    target = form
    if e.message.startswith("第") and "项任务" in e.message:
        index = int(e.message[1 : e.message.index("项")]) - 1
        if 0 <= index < len(formset.forms):
            target = formset.forms[index]
    if e.field and e.field in target.fields:
        target.add_error(e.field, e.message)
    else:
        target.add_error(None, e.message)


@roles_required(Role.SUPERVISOR)
def new(request: HttpRequest) -> HttpResponse:
    """One form: register the directive and add any number of tasks (即批即转 by default)."""
    if request.method == "POST":
        form = DirectiveForm(request.POST)
        formset = TaskFormSet(request.POST, prefix="tasks")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                # All or nothing: a refused task leaves no half-registered directive.
                with transaction.atomic():
                    directive = actions.register(
                        kind=data["kind"],
                        title=data["title"],
                        urgency=data["urgency"],
                        received_at=data["received_at"],
                        doc_no=data["doc_no"],
                        issuer=data["issuer"],
                        issuer_leader=data["issuer_leader"],
                        text=data["text"],
                        attachments=request.FILES.getlist("attachments"),
                        by=acting_user(request),
                        now=timezone.now(),
                    )
                    _decompose(request, directive, _drafts(formset), data["assign_now"])
            except ActionError as e:
                _show_error(e, form, formset)
            else:
                done = "并已交办" if data["assign_now"] else "，任务待交办"
                messages.success(request, f"来文{directive.code}已登记{done}。")
                return redirect("directive_detail", directive.pk)
        status = 400
    else:
        now = timezone.localtime()
        form = DirectiveForm(initial={"received_at": now.strftime("%Y-%m-%dT%H:%M")})
        formset = TaskFormSet(prefix="tasks")
        status = 200
    return render(
        request, "web/directive_new.html", {"form": form, "formset": formset}, status=status
    )


def _directive_for(request: HttpRequest, pk: int) -> Directive:
    directive = (
        selectors.directives_visible_to(acting_user(request))
        .select_related("issuer_leader", "registered_by")
        .filter(pk=pk)
        .first()
    )
    if directive is None:
        raise Http404("来文不存在或无权查看。")
    return directive


@roles_required(Role.SUPERVISOR, Role.LEADER, *UNIT_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive_for(request, pk)
    user = acting_user(request)
    if request.method == "GET" and "HX-Request" not in request.headers:
        record(
            AccessKind.VIEW,
            user=user,
            target=f"directive:{pk}",
            detail=directive.code,
            request=request,
        )
    formset = TaskFormSet(prefix="tasks")
    status = 200
    prefilled: list[Any] = []
    if request.method == "POST":
        if user.role != Role.SUPERVISOR:
            return HttpResponse("您无权分解任务。", status=403)
        formset = TaskFormSet(request.POST, prefix="tasks")
        if formset.is_valid():
            try:
                with transaction.atomic():
                    _decompose(
                        request, directive, _drafts(formset), request.POST.get("assign_now") == "on"
                    )
            except ActionError as e:
                _show_error(e, formset.forms[0], formset)
                status = 400
            else:
                messages.success(request, "任务已分解。")
                return redirect("directive_detail", directive.pk)
        else:
            status = 400
    # A unit reads the 来文 and sees only its own tasks of it (selectors scope this).
    tasks = list(selectors.directive_tasks(user, directive))
    plans = drafts.plans(tasks, today=timezone.localdate())
    for t in tasks:
        t.plan = plans.get(t.pk)  # type: ignore[attr-defined]
    settled = all(t.status in (TaskStatus.CLOSED, TaskStatus.WITHDRAWN) for t in tasks)
    if (
        request.method == "GET"
        and request.GET.get("extract") == "1"
        and user.role == Role.SUPERVISOR
        and not tasks
        and directive.text.strip()
    ):
        # 议定事项 → 任务 in one step (issue 15 point 5): the decomposition form opens
        # pre-filled by the extractor over the directive's text (the decision paragraph).
        found = extract_for_office(directive.text, base=timezone.localdate(directive.received_at))
        prefilled = draft_forms(found.tasks, found.registry)
        # The management form counts min_num + extra forms: make it the drafts' number.
        formset.extra = max(len(prefilled) - formset.min_num, 0)
    context = {
        "directive": directive,
        "tasks": tasks,
        "attachments": list(directive.attachments.filter(task__isnull=True).order_by("id")),
        "unit_view": user.role in UNIT_ROLES,
        "all_tasks": directive.tasks.exclude(status=TaskStatus.DRAFT).count()
        if user.role in UNIT_ROLES
        else len(tasks),
        "formset": formset,
        "prefilled": prefilled,
        "can_edit": user.role == Role.SUPERVISOR
        and directive.status in (DirectiveStatus.REGISTERED, DirectiveStatus.ACTIVE),
        "has_drafts": any(t.status == TaskStatus.DRAFT for t in tasks),
        "can_report_back": user.role == Role.SUPERVISOR
        and directive.status == DirectiveStatus.ACTIVE
        and settled
        and any(t.status == TaskStatus.CLOSED for t in tasks),
    }
    return render(request, "web/directive.html", context, status=status)


@require_POST
@roles_required(Role.SUPERVISOR)
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive_for(request, pk)
    drafts = list(directive.tasks.filter(status=TaskStatus.DRAFT).order_by("number"))
    now = timezone.now()
    try:
        with transaction.atomic():
            for task in drafts:
                actions.assign(task=task, by=acting_user(request), now=now)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已交办{len(drafts)}项任务。")
    if request.POST.get("next") == "directive":
        return redirect("directive_detail", directive.pk)
    return redirect("workbench")


@require_POST
@roles_required(Role.SUPERVISOR)
def report_back(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive_for(request, pk)
    if (
        run_action(
            request, actions.report_back, directive=directive, text=request.POST.get("text", "")
        )
        is None
    ):
        messages.success(request, "已回音。")
    return redirect("directive_detail", directive.pk)


@require_POST
@roles_required(Role.SUPERVISOR)
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive_for(request, pk)
    if (
        run_action(
            request,
            actions.withdraw_directive,
            directive=directive,
            reason=request.POST.get("reason", ""),
        )
        is None
    ):
        messages.success(request, "来文已撤销，未办结的任务一并撤销。")
    return redirect("directive_detail", directive.pk)
