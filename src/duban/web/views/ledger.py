"""台账: the ledger page, its htmx rows, and each person's saved filters.

The filters are a GET form, so the page works without JavaScript and every view of the
ledger is a link; with htmx the form replaces only the rows (`web/ledger_rows.htmx.html`)
and pushes the URL, and field errors travel out of band to their place beside the fields.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from html import escape
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from duban.meetings import selectors as meeting_selectors
from duban.org.models import Leader, Role, Unit, User
from duban.web.common import acting_user, roles_required, year_in_range
from duban.web.models import SavedFilter
from duban.web.widgets import FastSelect
from duban.work import ledger as lq
from duban.work.models import DirectiveKind, Light, TaskStatus

READERS = (Role.SUPERVISOR, Role.LEADER, Role.LIAISON, Role.UNIT_HEAD)
MAX_SAVED = 30
ALL = ("", "全部")
COMPACT_COOKIE = "duban_ledger_view"


class LedgerForm(forms.Form):
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=50,
        help_text="查找事项内容和进展情况；也可输入编号，如 2026-0012",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label="事项来源", required=False, choices=[ALL, *DirectiveKind.choices], widget=FastSelect
    )
    meeting = forms.TypedChoiceField(
        label="会议", required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    unit = forms.TypedChoiceField(
        label="承办单位", required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    unit_role = forms.ChoiceField(
        label="承办方式",
        required=False,
        choices=[("", "牵头或配合"), (lq.LEAD, "牵头"), (lq.CO, "配合")],
        widget=FastSelect,
    )
    leader = forms.TypedChoiceField(
        label="牵头领导", required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    line = forms.TypedChoiceField(
        label="分管领导（分线）", required=False, coerce=int, empty_value=None, widget=FastSelect
    )
    status = forms.ChoiceField(
        label="办理状态",
        required=False,
        choices=[ALL, (lq.OPEN, "在办（未办结）"), *TaskStatus.choices],
        widget=FastSelect,
    )
    light = forms.ChoiceField(
        label="亮灯",
        required=False,
        choices=[ALL, *[(v, lbl) for v, lbl in Light.choices if v != Light.NONE]],
        widget=FastSelect,
    )
    is_key = forms.TypedChoiceField(
        label="重点督办",
        required=False,
        choices=[ALL, ("1", "重点督办事项"), ("0", "非重点事项")],
        coerce=lambda v: v == "1",
        empty_value=None,
        widget=FastSelect,
    )
    due_from = forms.DateField(
        label="时限起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    due_to = forms.DateField(
        label="时限截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[year_in_range],
    )
    sort = forms.ChoiceField(
        label="排序",
        required=False,
        choices=[(key, s.label) for key, s in lq.SORTS.items()],
        widget=FastSelect,
    )

    def __init__(
        self,
        data: QueryDict,
        *,
        units: list[Unit],
        leaders: list[Leader],
        meetings: Sequence[tuple[int, str]] = (),
    ) -> None:
        super().__init__(data)
        unit_choices = [(u.pk, u.label if u.is_active else f"{u.label}（已停用）") for u in units]
        leader_choices = [(ld.pk, str(ld)) for ld in leaders]
        self.fields["unit"].choices = [ALL, *unit_choices]  # type: ignore[attr-defined]
        self.fields["leader"].choices = [ALL, *leader_choices]  # type: ignore[attr-defined]
        self.fields["line"].choices = [ALL, *leader_choices]  # type: ignore[attr-defined]
        self.fields["meeting"].choices = [ALL, *meetings]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and end < start:
            self.add_error("due_to", "截止日期不能早于起始日期。")
        return data

    def filters(self) -> lq.LedgerFilters:
        """The valid fields only: a bad one is reported beside it and left out of the query."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return lq.LedgerFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            unit=data.get("unit"),
            unit_role=data.get("unit_role") or "",
            leader=data.get("leader"),
            line=data.get("line"),
            status=data.get("status") or "",
            light=data.get("light") or "",
            is_key=data.get("is_key"),
            due_from=data.get("due_from"),
            due_to=data.get("due_to"),
            sort=data.get("sort") or lq.DEFAULT_SORT,
            # 按会议: the tasks of the directives that meeting's decisions became.
            meeting=data.get("meeting"),
            directives=tuple(meeting_selectors.directive_ids_of(data["meeting"]))
            if data.get("meeting") is not None
            else None,
        )


def meeting_choices(user: User) -> list[tuple[int, str]]:
    """The meetings whose decisions became directives, newest first (the 会议 filter)."""
    found = meeting_selectors.meetings_with_decisions(user).order_by("-starts_at")
    return [(m.pk, m.title) for m in found]


KIND_LABELS = dict(DirectiveKind.choices)
STATUS_LABELS = dict(TaskStatus.choices)
LIGHT_LABELS = dict(Light.choices)


def _truncate(text: str, limit: int) -> str:
    """As the truncatechars filter (Truncator.chars); a text already short and in NFC form,
    most of them, comes back as it is without Truncator's lazy-object round trip."""
    if len(text) <= limit and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(limit)


def _units(units: list[Unit]) -> str:
    return "、".join(escape(u.label) for u in units) if units else "—"


def rows_html(rows: list[lq.LedgerRow], *, batch: bool = False) -> SafeString:
    """The ledger's <tr>s, written here rather than by the template language.

    The same markup as the `{% for %}` over the rows with its filters (truncatechars, date,
    url, the choice labels) that it replaces, which was about half of the page's Python
    time at 50 rows (Django's escaping of lazy strings and get_FOO_display's hashing of
    the choices, per cell). Every value is escaped with html.escape, as Django's escape.
    `batch` adds the tick box of each row (催办/督办单/导出, web/views/batch.py).
    """
    href = reverse("task_detail", args=[PK_MARK])
    out = []
    for row in rows:
        t = row.task
        due = "—"
        if t.due:
            due = f"{t.due:%Y-%m-%d}"
            if t.due_provisional:
                due += '<span class="muted">（暂定）</span>'
        latest = '<span class="muted">—</span>'
        if row.latest:
            at = ""
            if row.latest_at:
                at = dateformat.format(timezone.localtime(row.latest_at), "n月j日")
            latest = (
                f'<span title="{escape(row.latest)}">{escape(_truncate(row.latest, 40))}'
                f'</span> <span class="muted">{at}</span>'
            )
        leader = (t.leader.name if t.leader else "") or "—"
        kind = KIND_LABELS.get(t.directive.kind, t.directive.kind)
        code = escape(t.code)
        pick = (
            f'<td class="pick hide-sm"><input type="checkbox" name="task" value="{t.pk}"'
            f' form="batch-ledger" aria-label="选择 {code}"></td>'
            if batch
            else ""
        )
        out.append(
            "\n<tr>\n"
            f'{pick}<td style="white-space:nowrap">{code}</td>\n'
            f'<td class="hide-sm">{escape(kind)}</td>\n'
            f'<td class="content"><a href="{href.replace(str(PK_MARK), str(t.pk))}"'
            f' title="{escape(t.content)}">{escape(_truncate(t.content, 60))}</a>'
            f"{KEY_CHIP if t.is_key else ''}</td>\n"
            f'<td class="hide-sm">{escape(leader)}</td>\n'
            f"<td>{_units(row.leads)}</td>\n"
            f'<td class="hide-sm">{_units(row.co)}</td>\n'
            f'<td style="white-space:nowrap">{due}</td>\n'
            f'<td class="hide-sm">{escape(STATUS_LABELS.get(t.status, t.status))}</td>\n'
            f'<td><span class="light {escape(t.light)}">'
            f"{escape(LIGHT_LABELS.get(t.light, t.light))}</span></td>\n"
            f'<td class="hide-sm latest">{latest}</td>\n'
            "</tr>\n"
        )
    return mark_safe("".join(out))


PK_MARK = 987654321  # stands for a task's id in the reversed URL
KEY_CHIP = ' <span class="chip">重点</span>'


class SaveFilterForm(forms.Form):
    name = forms.CharField(label="名称", max_length=40, error_messages={"required": "请填写名称。"})


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 7 else 1


def _link(query: str, **extra: object) -> str:
    params = QueryDict(query, mutable=True)
    for key, value in extra.items():
        params[key] = str(value)
    return f"{reverse('ledger')}?{params.urlencode()}" if params else reverse("ledger")


def _render(
    request: HttpRequest,
    params: QueryDict,
    *,
    save_form: SaveFilterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    units = list(Unit.objects.order_by("-is_active", "order", "id"))
    leaders = list(Leader.objects.order_by("order", "id"))
    form = LedgerForm(params, units=units, leaders=leaders, meetings=meeting_choices(user))
    filters = form.filters()
    page = lq.ledger_page(
        user,
        filters,
        page=_page_number(params.get("page")),
        after=params.get("after"),
        before=params.get("before"),
        units={u.pk: u for u in units},
    )
    query = lq.filter_query(params)
    htmx = getattr(request, "htmx", None)
    # A history restore after a cache miss asks for the whole page, not the rows.
    partial = bool(htmx) and not htmx.boosted and not htmx.history_restore_request  # type: ignore[union-attr]
    # Ticking rows for 催办/督办单/导出 (web/views/batch.py): the office and leaders.
    batch = user.role in (Role.SUPERVISOR, Role.LEADER)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "save_form": save_form or SaveFilterForm(),
        "partial": partial,
        "batch": batch,
        "rows_html": rows_html(page.rows, batch=batch),
        # 紧凑显示: one line a row, remembered in a cookie that ledger.js sets.
        "compact": request.COOKIES.get(COMPACT_COOKIE) == "compact",
        "links": {
            "first": _link(query),
            "previous": _link(query, page=page.number - 1, before=page.first_cursor),
            "next": _link(query, page=page.number + 1, after=page.last_cursor),
            "last": _link(query, page=page.pages),
        },
    }
    if not partial:
        context["saved"] = list(SavedFilter.objects.filter(user=user))
    template = "web/ledger_rows.htmx.html" if partial else "web/ledger.html"
    response = render(request, template, context, status=status)
    if partial:
        # The form sends every field, empty or not; the address bar gets the short form.
        paging = {k: params[k] for k in ("page", "after", "before") if params.get(k)}
        push_url(response, _link(query, **paging))
    patch_vary_headers(response, ["HX-Request"])
    return response


@roles_required(*READERS)
def ledger(request: HttpRequest) -> HttpResponse:
    return _render(request, request.GET)


@require_POST
@roles_required(*READERS)
def save_filter(request: HttpRequest) -> HttpResponse:
    """Save the current filters under a name; the same name again replaces them."""
    user = acting_user(request)
    query = lq.filter_query(QueryDict(request.POST.get("query", "")))
    form = SaveFilterForm(request.POST)
    if form.is_valid():
        name = form.cleaned_data["name"].strip()
        mine = SavedFilter.objects.filter(user=user)
        if not mine.filter(name=name).exists() and mine.count() >= MAX_SAVED:
            form.add_error("name", f"最多保存{MAX_SAVED}个常用筛选，请先删除不再使用的。")
        else:
            SavedFilter.objects.update_or_create(
                user=user, name=name, defaults={"query": query, "created_at": timezone.now()}
            )
            messages.success(request, f"已保存常用筛选“{name}”。")
            return redirect(_link(query))
    return _render(request, QueryDict(query), save_form=form, status=400)


@require_POST
@roles_required(*READERS)
def delete_filter(request: HttpRequest, pk: int) -> HttpResponse:
    """Only one's own: another person's filter is a 404, as if it did not exist."""
    saved = get_object_or_404(SavedFilter, pk=pk, user=acting_user(request))
    saved.delete()
    messages.success(request, f"已删除常用筛选“{saved.name}”。")
    return redirect("ledger")
