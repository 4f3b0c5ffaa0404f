"""The only way to change work records (DESIGN.md "actions"; STYLE.md rule 1).

One module per topic, as Zulip's `zerver/actions/<topic>.py`:
- `core`     the @action transaction, who-may-act checks, the hash-chained `record`,
             attachments — what every action shares (supervise/actions.py uses it too);
- `intake`   the office takes work in: register, decompose, assign, reassign;
- `unit`     the units' side: receive, return_, report_progress, request_extension, submit_done,
             and the unit head's sign-off: send_for_unit_review, decide_unit_review;
- `office`   the office's decisions: decide_extension, urge, comment, verify, close,
             withdraw, withdraw_directive, report_back;
- `calendar` confirm_calendar_year.

Each public action:
- takes the acting user as `by` and the time as `now` (defaulting to the clock),
- locks the task row, checks the actor's role and unit, checks the state against
  `rules.ALLOWED_FROM`, validates the input,
- and in ONE transaction appends the hash-chained Event, updates the projection through
  `rules.apply`, and writes notifications to the outbox.
A refusal raises `Refused` (who) or `Invalid` (what/when) with a Chinese message, and leaves
the database as it was.

`from duban.work import actions; actions.assign(...)` is the way callers use them.
"""

from duban.work.actions.calendar import confirm_calendar_year
from duban.work.actions.core import (
    MAX_ATTACHMENT_BYTES,
    action,
    attachment_payload,
    record,
    require_text,
    state_of,
    store_state,
)
from duban.work.actions.intake import (
    TaskDraft,
    assign,
    check_cycle,
    check_due_spec,
    decompose,
    default_due_spec,
    due_payload,
    planned_units,
    reassign,
    register,
    resolve_due_from,
)
from duban.work.actions.office import (
    close,
    comment,
    decide_extension,
    report_back,
    urge,
    verify,
    withdraw,
    withdraw_directive,
)
from duban.work.actions.unit import (
    decide_unit_review,
    needs_unit_review,
    receive,
    report_progress,
    request_extension,
    return_,
    send_for_unit_review,
    submit_done,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "TaskDraft",
    "action",
    "assign",
    "attachment_payload",
    "check_cycle",
    "check_due_spec",
    "close",
    "comment",
    "confirm_calendar_year",
    "decide_extension",
    "decide_unit_review",
    "decompose",
    "default_due_spec",
    "due_payload",
    "needs_unit_review",
    "planned_units",
    "reassign",
    "receive",
    "record",
    "register",
    "report_back",
    "report_progress",
    "request_extension",
    "require_text",
    "resolve_due_from",
    "return_",
    "send_for_unit_review",
    "state_of",
    "store_state",
    "submit_done",
    "urge",
    "verify",
    "withdraw",
    "withdraw_directive",
]
