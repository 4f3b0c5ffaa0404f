"""Outbox kinds grouped the way a user chooses what to hear (the preferences page)."""

from __future__ import annotations

# group code → (label, outbox kinds). A kind not listed falls in "other".
GROUPS: dict[str, tuple[str, frozenset[str]]] = {
    "assigned": ("交办、退回与撤销", frozenset({"assigned", "returned", "withdrawn"})),
    "reminders": (
        "催办、提醒与督办升级",
        frozenset({"urged", "overdue", "report_due", "report_missing", "escalated", "overnight"}),
    ),
    "extension": ("延期申请与审批", frozenset({"extension_requested", "extension_decided"})),
    "review": (
        "办结、审核与重办",
        frozenset({"submitted", "sent_back", "closed", "reopened", "due_recomputed"}),
    ),
    "supervise": (
        "督查、考评与分线汇总",
        frozenset({"key_changed", "campaign", "score_appealed", "appeal_decided", "line_summary"}),
    ),
    "other": ("其他（批示、评论等）", frozenset()),
}


def group_of(kind: str) -> str:
    for code, (_label, kinds) in GROUPS.items():
        if kind in kinds:
            return code
    return "other"
