"""Batch actions on tasks ticked in the workbench or the ledger (issue 12, point 7).

One POST carries the ticked task ids and the operation:
- 催办 (urge) and 列为重点督办 (key) run the action once per task, each in its own
  transaction, exactly as the task page would; a task the action refuses is named in the
  result with the action's reason, and the others go through;
- 打印督办单 (print) returns one .docx with one page per task;
and the task page's 打印督办单 (`slip`) gives one task's slip as .docx or PDF.
- 导出所选 (export) returns the ledger .xlsx of just those tasks.
Only tasks the user may see are taken (selectors); ids of others are counted, not named.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from duban.audit.models import AccessKind, AccessLog
from duban.documents import ledger_xlsx, pdf, supervision_slip
from duban.org.models import Role, User
from duban.supervise import actions as sv
from duban.web.common import acting_user, roles_required
from duban.work import actions, selectors
from duban.work.errors import ActionError
from duban.work.models import Task

MAX_TASKS = 200  # a page of the ledger is 50, the workbench's red list 50
DEFAULT_URGE = "请抓紧办理，按时报送办理情况。"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACK_TO = ("/ledger/", "/workbench/")


def _back(request: HttpRequest) -> str:
    """The page the batch came from (the ledger keeps its filters and page)."""
    target = request.POST.get("next", "")
    if urlsplit(target).path in BACK_TO and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return "/ledger/"


def _ids(request: HttpRequest) -> list[int]:
    out: list[int] = []
    for raw in request.POST.getlist("task"):
        if raw.isdigit() and len(raw) < 12 and int(raw) not in out:
            out.append(int(raw))
    return out


def _each(
    request: HttpRequest, tasks: list[Task], call: Callable[[Task], object], verb: str
) -> None:
    """Run `call` per task; the summary names each task refused and the reason."""
    done = 0
    refused: list[tuple[Task, str]] = []
    for task in tasks:
        try:
            call(task)
        except ActionError as e:
            refused.append((task, e.message))
        else:
            done += 1
    if done:
        messages.success(request, f"已{verb} {done} 项。")
    if refused:
        messages.error(request, f"{len(refused)} 项未能{verb}：")
        for task, why in refused:
            messages.error(request, f"{task.code}（{task.content[:20]}）：{why}")


@require_POST
@roles_required(Role.SUPERVISOR, Role.LEADER)
def batch(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    back = _back(request)
    ids = _ids(request)
    op = request.POST.get("op", "")
    if not ids:
        messages.error(request, "请先勾选要处理的事项。")
        return redirect(back)
    if len(ids) > MAX_TASKS:
        messages.error(request, f"一次最多处理{MAX_TASKS}项，请分批勾选。")
        return redirect(back)
    found = {
        t.pk: t
        for t in selectors.tasks_visible_to(user)
        .filter(pk__in=ids)
        .select_related("directive", "leader", "lead_unit")
    }
    tasks = [found[i] for i in ids if i in found]
    if len(tasks) < len(ids):
        messages.error(request, f"{len(ids) - len(tasks)} 项事项不存在或无权查看，已跳过。")
    if op in ("key", "print") and user.role != Role.SUPERVISOR:
        messages.error(request, "只有督查室可以列为重点督办或打印督办单。")
        return redirect(back)
    if op == "urge":
        message = request.POST.get("message", "").strip() or DEFAULT_URGE
        _each(request, tasks, lambda t: actions.urge(task=t, message=message, by=user), "催办")
    elif op == "key":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, "请填写列为重点督办的理由，未做任何更改。")
            return redirect(back)
        _each(
            request,
            tasks,
            lambda t: sv.mark_key(task=t, is_key=True, reason=reason, by=user),
            "列为重点督办",
        )
    elif op == "print" and tasks:
        return _print(user, tasks)
    elif op == "export" and tasks:
        return _export(user, tasks)
    elif op not in ("print", "export"):
        messages.error(request, "请选择要执行的操作。")
    return redirect(back)


def _print(user: User, tasks: list[Task], output: str = "docx") -> FileResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    content = supervision_slip.build(tasks, on=today, now=now).to_bytes()
    AccessLog.objects.create(
        at=now,
        kind=AccessKind.EXPORT,
        user=user,
        username=user.username,
        detail=f"督办单 {' '.join(t.code for t in tasks[:20])}" + (" …" if len(tasks) > 20 else ""),
    )
    stem = (
        f"督办通知单-{tasks[0].code}"
        if len(tasks) == 1
        else f"督办通知单-{len(tasks)}项-{today:%Y%m%d}"
    )
    if output == "pdf":
        content, suffix, mime = pdf.convert(content), ".pdf", "application/pdf"
    else:
        suffix, mime = ".docx", DOCX
    fh = tempfile.TemporaryFile(suffix=suffix)  # noqa: SIM115 (FileResponse closes it)
    fh.write(content)
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=stem + suffix, content_type=mime)


@roles_required(Role.SUPERVISOR)
def slip(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One task's 督办通知单 from its page: ?format=docx (default) or pdf."""
    user = acting_user(request)
    task = selectors.tasks_visible_to(user).select_related("directive").filter(pk=pk).first()
    if task is None:
        raise Http404("事项不存在或无权查看。")
    output = "pdf" if request.GET.get("format") == "pdf" else "docx"
    try:
        return _print(user, [task], output)
    except pdf.PdfUnavailable as e:
        messages.error(request, str(e))
        return redirect("task_detail", pk=pk)


def _export(user: User, tasks: list[Task]) -> FileResponse:
    today = timezone.localdate()
    fh: Any = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    ledger_xlsx.export_selected(user=user, task_ids=[t.pk for t in tasks], out=fh)
    fh.seek(0)
    name = f"督办台账-所选{len(tasks)}项-{today:%Y%m%d}.xlsx"
    return FileResponse(fh, as_attachment=True, filename=name, content_type=XLSX)
