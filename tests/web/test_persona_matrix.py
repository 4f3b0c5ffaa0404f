"""Every page × every persona (issue 17, "How it is checked"): 200, 302, 403, 404 or 405.

Personas: the three administrators (sam sysadmin, sec secadmin, aud auditor), a
supervisor (alice), a leader (lily), liaison and head of unit A (amy, adam) and of unit B
(bob, bea), and a disabled user (gone). The table below lists every URL pattern of the
site; a pattern missing from it fails the test, so a new page must state who may open it.
GET is asked of every page; POST-only URLs are also POSTed by the personas who must be
refused, and nothing may change for them (the access log aside).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from duban.org.models import Role, UnitAlias, UnitGroup, User
from duban.supervise import actions as sv
from duban.supervise.spotchecks import Filters
from duban.work import actions
from duban.work.models import LoopConfig
from tests.conftest import County, at
from tests.work import flow

PERSONAS = ["sam", "sec", "aud", "alice", "lily", "amy", "adam", "bob", "bea", "gone"]
ADMINS = {"sam", "sec", "aud"}
WORK = {"alice", "lily", "amy", "adam", "bob", "bea"}
UNITS = {"amy", "adam", "bob", "bea"}
NOW = at("2026-03-02 09:00")


@pytest.fixture
def world(county: County) -> dict[str, Any]:
    c = county
    c.bea = User.objects.create(username="bea", full_name="贝阿", role=Role.UNIT_HEAD, unit=c.b)
    c.gone = User.objects.create(username="gone", role=Role.LIAISON, unit=c.a, is_active=False)
    task = flow.task(c, NOW, co=[])  # unit A leads; B is not on it
    actions.receive(task=task, by=c.amy, now=NOW)
    report = actions.report_progress(
        task=task,
        text="进展",
        by=c.amy,
        now=NOW,
        attachments=[ContentFile(b"\xff\xd8\xff\xe0photo", name="照片.jpg")],
    )
    ext = actions.request_extension(
        task=task, new_due=date(2026, 9, 30), reason="汛期", by=c.amy, now=NOW
    )
    # 单位审核 on: amy's next progress report waits for adam, the head of unit A.
    LoopConfig.objects.create(pk=1, unit_review=True, unit_review_progress=True)
    review = actions.send_for_unit_review(
        task=task, what="progress", text="第二次进展", by=c.amy, now=NOW
    )
    done = flow.task(c, NOW, co=[])
    actions.receive(task=done, by=c.adam, now=NOW)
    actions.submit_done(task=done, text="完成", by=c.adam, now=NOW)
    actions.verify(task=done, accept=True, by=c.alice, now=NOW)
    actions.close(task=done, by=c.alice, now=NOW)
    check = sv.draw_spot_check(title="抽查", filters=Filters(), size=1, seed=1, by=c.alice, now=NOW)
    campaign = sv.create_campaign(
        title="专项",
        theme="",
        checklist=["一项"],
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 30),
        units=[c.a],
        by=c.alice,
        now=NOW,
    )
    from duban.notify.models import Notification
    from duban.notify.worker import deliver
    from duban.web.models import SavedFilter

    deliver(now=NOW)
    from duban.events import actions as ev
    from duban.events.models import EventType
    from tests.events.conftest import ensure_types

    ensure_types()
    event = ev.create(
        event_type=EventType.objects.get(code="research"),
        title="调研",
        day=date(2026, 3, 20),
        schedule=[ev.ItemDraft(time(9, 0), "出发")],
        by=c.alice,
        now=NOW,
    )
    from duban.meetings import actions as meeting_actions
    from tests.meetings.flow import standing_type

    meeting = meeting_actions.plan_meeting(
        type=standing_type(c), starts_at=at("2026-03-20 09:00"), place="会议室", by=c.alice, now=NOW
    )
    topic = meeting_actions.submit_topic(
        meeting=meeting,
        title="议题",
        materials=[ContentFile(b"%PDF-1.4 material", name="材料.pdf")],
        by=c.amy,
        now=NOW,
    )

    # 建议提案: an item handled by unit A alone (unit B never on it), its reply drafted and
    # unit A's request to change the handling units waiting for the office.
    from duban.proposals import actions as pr
    from duban.proposals.models import Body

    session = pr.create_session(year=2026, body=Body.NPC, name="人大五次会议", by=c.alice, now=NOW)
    proposal = pr.register(
        session=session,
        item=pr.ItemDraft(
            number=1,
            title="关于改造污水管网的建议",
            text="建议加快改造。",
            lead=pr.ProposerDraft(name="张伟", delegation="城关镇代表团", phone="13800001111"),
        ),
        by=c.alice,
        now=NOW,
    )
    proposal = pr.assign(proposal=proposal, lead=[c.a], co=[], by=c.alice, now=NOW)
    pr.record_contact(
        proposal=proposal,
        on=NOW.date(),
        way="visit",
        with_whom="张伟代表",
        by_whom="安梅",
        by=c.amy,
        now=NOW,
    )
    reply = pr.draft_reply(
        proposal=proposal,
        category="A",
        text="已解决。",
        promise="",
        promise_due=None,
        is_public=False,
        by=c.amy,
        now=NOW,
    )
    adjustment = pr.request_adjustment(
        proposal=proposal, reason="不属本单位职责", suggestion="", by=c.amy, now=NOW
    )

    return {
        "proposal": proposal.pk,
        "reply": reply.pk,
        "adjustment": adjustment.pk,
        "event": event.pk,
        "event_item": event.schedule.get().pk,
        "meeting": meeting.pk,
        "material": topic.materials.get().pk,
        "county": c,
        "task": task.pk,
        "directive": task.directive_id,
        "attachment": report.event.attachments.get().pk,
        "extension": ext.pk,
        "review": review.pk,
        "check": check.pk,
        "item": check.items.first().pk,
        "campaign": campaign.pk,
        "leader": c.leader_lily.pk,
        "unit": c.a.pk,
        "alias": UnitAlias.objects.get(alias="发改局").pk,
        "group": UnitGroup.objects.get().pk,
        "user": c.amy.pk,
        "notification": Notification.objects.filter(user=c.amy).first().pk,
        "filter": SavedFilter.objects.create(user=c.amy, name="我的", query="", created_at=NOW).pk,
    }


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def only(allowed: set[str], ok: int = 200, other: int = 403) -> dict[str, int]:
    out = {p: (ok if p in allowed else other) for p in PERSONAS}
    out["gone"] = 302  # a disabled account is signed out: to the sign-in page
    return out


# (URL pattern name, path, GET status per persona). Filled by `table()`.
def table(w: dict[str, Any]) -> list[tuple[str, str, dict[str, int]]]:
    t, d, m = w["task"], w["directive"], w["meeting"]
    sup = {"alice"}
    office = {"alice", "lily"}
    return [
        ("home", "/", only(WORK | ADMINS, ok=302)),
        ("login", "/login/", only(set(PERSONAS), ok=302) | {"gone": 200}),
        ("logout", "/logout/", everyone(405)),
        ("password_change", "/password/", only(WORK | ADMINS)),
        ("mfa_verify", "/login/verify/", only(WORK | ADMINS, ok=302)),
        ("mfa_setup", "/account/two-factor/", only(WORK | ADMINS)),
        # the system administrator
        ("sysadmin_users", "/sysadmin/", only({"sam"})),
        ("sysadmin_user_new", "/sysadmin/users/new/", only({"sam"})),
        ("sysadmin_user", f"/sysadmin/users/{w['user']}/", only({"sam"})),
        ("sysadmin_user_active", f"/sysadmin/users/{w['user']}/active/", only({"sam"}, 405)),
        ("sysadmin_user_reset", f"/sysadmin/users/{w['user']}/reset/", only({"sam"}, 405)),
        ("sysadmin_user_unlock", f"/sysadmin/users/{w['user']}/unlock/", only({"sam"}, 405)),
        ("sysadmin_units", "/sysadmin/units/", only({"sam"})),
        ("sysadmin_unit", f"/sysadmin/units/{w['unit']}/", only({"sam"})),
        ("sysadmin_alias_add", f"/sysadmin/units/{w['unit']}/aliases/", only({"sam"}, 405)),
        ("sysadmin_alias_remove", f"/sysadmin/aliases/{w['alias']}/delete/", only({"sam"}, 405)),
        ("sysadmin_groups", "/sysadmin/groups/", only({"sam"})),
        ("sysadmin_group_new", "/sysadmin/groups/new/", only({"sam"})),
        ("sysadmin_group", f"/sysadmin/groups/{w['group']}/", only({"sam"})),
        ("sysadmin_leaders", "/sysadmin/leaders/", only({"sam"})),
        ("sysadmin_leader_new", "/sysadmin/leaders/new/", only({"sam"})),
        ("sysadmin_leader", f"/sysadmin/leaders/{w['leader']}/", only({"sam"})),
        ("sysadmin_org", "/sysadmin/org/", only({"sam"})),
        ("sysadmin_org_export", "/sysadmin/org/export/", only({"sam"})),
        # the security administrator
        ("secadmin_roles", "/secadmin/", only({"sec"})),
        ("secadmin_role", f"/secadmin/users/{w['user']}/", only({"sec"})),
        (
            "secadmin_mfa_reset",
            f"/secadmin/users/{w['user']}/two-factor/reset/",
            only({"sec"}, 405),
        ),
        ("secadmin_policy", "/secadmin/policy/", only({"sec"})),
        ("secadmin_sessions", "/secadmin/sessions/", only({"sec"})),
        ("secadmin_session_end", "/secadmin/sessions/end/", only({"sec"}, 405)),
        # the auditor
        ("audit_log", "/audit/", only({"aud"})),
        ("audit_export", "/audit/export/", only({"aud"})),
        ("audit_record", "/audit/record/", only({"aud"})),
        # the business
        ("workbench", "/workbench/", only(sup)),
        ("directive_new", "/directives/new/", only(sup)),
        ("directive_extract", "/directives/extract/", everyone(405)),
        # A unit reads the 来文 of its own tasks; a unit with none of them gets 404.
        (
            "directive_detail",
            f"/directives/{d}/",
            only(WORK, other=403) | {"bob": 404, "bea": 404},
        ),
        ("directive_assign", f"/directives/{d}/assign/", everyone(405)),
        ("directive_report_back", f"/directives/{d}/report-back/", everyone(405)),
        ("directive_withdraw", f"/directives/{d}/withdraw/", everyone(405)),
        ("unit_search", "/units/search/?q=fgj", only(sup)),
        ("task_detail", f"/tasks/{t}/", only(WORK, other=403) | {"bob": 404, "bea": 404}),
        *[
            (f"task_{n}", f"/tasks/{t}/{p}/", everyone(405))
            for n, p in [
                ("receive", "receive"),
                ("return", "return"),
                ("report", "report"),
                ("extend", "extend"),
                ("urge", "urge"),
                ("submit", "submit"),
                ("verify", "verify"),
                ("close", "close"),
                ("withdraw", "withdraw"),
                ("reassign", "reassign"),
                ("comment", "comment"),
            ]
        ],
        ("extension_decide", f"/extensions/{w['extension']}/decide/", everyone(405)),
        ("unit_review_decide", f"/unit-reviews/{w['review']}/decide/", everyone(405)),
        (
            "attachment",
            f"/attachments/{w['attachment']}/",
            only(WORK, other=403) | {"bob": 404, "bea": 404},
        ),
        ("unit_home", "/unit/", only(UNITS)),
        ("leader_home", "/leader/", only({"lily"})),
        ("ledger", "/ledger/", only(WORK)),
        ("ledger_filter_save", "/ledger/filters/", everyone(405)),
        ("ledger_filter_delete", f"/ledger/filters/{w['filter']}/delete/", everyone(405)),
        ("dashboard", "/dashboard/", only(WORK)),
        ("supervise", "/supervise/", only(WORK, ok=302)),
        ("supervise_today", "/supervise/today/", only(sup)),
        ("supervise_lines", "/supervise/lines/", only(office)),
        ("supervise_line", f"/supervise/lines/{w['leader']}/", only(office)),
        ("supervise_key", "/supervise/key/", only(office)),
        ("supervise_key_mark", "/supervise/key/mark/", everyone(405)),
        ("supervise_key_unmark", f"/supervise/key/{t}/unmark/", everyone(405)),
        ("supervise_spot_checks", "/supervise/spotchecks/", only(office)),
        ("supervise_spot_check_new", "/supervise/spotchecks/new/", everyone(405)),
        ("supervise_spot_check", f"/supervise/spotchecks/{w['check']}/", only(office)),
        (
            "supervise_spot_check_close",
            f"/supervise/spotchecks/{w['check']}/close/",
            everyone(405),
        ),
        (
            "supervise_finding",
            f"/supervise/spotchecks/items/{w['item']}/finding/",
            everyone(405),
        ),
        ("supervise_scores", "/supervise/scores/", only(WORK)),
        (
            "supervise_score_unit",
            f"/supervise/scores/{w['unit']}/",
            only(WORK) | {"bob": 403, "bea": 403},  # another unit's score details
        ),
        ("supervise_appeal", f"/supervise/scores/{w['unit']}/appeal/", everyone(405)),
        ("supervise_appeals", "/supervise/appeals/", only(WORK)),
        ("supervise_appeal_decide", "/supervise/appeals/1/decide/", everyone(405)),
        ("supervise_settlement", "/supervise/settlement/", only(WORK)),
        ("supervise_campaigns", "/supervise/campaigns/", only(office)),
        ("supervise_campaign_new", "/supervise/campaigns/new/", everyone(405)),
        ("supervise_campaign", f"/supervise/campaigns/{w['campaign']}/", only(office)),
        (
            "supervise_campaign_visit",
            f"/supervise/campaigns/{w['campaign']}/visit/",
            everyone(405),
        ),
        (
            "supervise_campaign_close",
            f"/supervise/campaigns/{w['campaign']}/close/",
            everyone(405),
        ),
        ("ledger_export", "/ledger/export/", only(WORK)),
        ("ledger_import", "/ledger/import/", only(sup)),
        ("ledger_import_confirm", "/ledger/import/confirm/", everyone(405)),
        ("ledger_import_progress", "/ledger/import/progress/", only(sup)),
        ("documents", "/documents/", only(sup)),
        ("bulletin_download", "/documents/bulletin/", everyone(405)),
        ("directive_report", f"/directives/{d}/report/", everyone(405)),
        ("notifications", "/notifications/", only(WORK | ADMINS)),
        ("notification_read", f"/notifications/{w['notification']}/read/", everyone(405)),
        ("notifications_read_all", "/notifications/read-all/", everyone(405)),
        ("notify_preferences", "/notifications/settings/", only(WORK | ADMINS)),
        ("task_batch", "/tasks/batch/", everyone(405)),
        ("task_slip", f"/tasks/{w['task']}/slip/", only({"alice"})),
        (
            "attachment_preview",
            f"/attachments/{w['attachment']}/preview/",
            only(WORK, other=403) | {"bob": 404, "bea": 404},
        ),
        (
            "attachment_inline",
            f"/attachments/{w['attachment']}/inline/",
            only(WORK, other=403) | {"bob": 404, "bea": 404},
        ),
        ("sysadmin_channels", "/sysadmin/channels/", only({"sam"})),
        ("sysadmin_channels_retry", "/sysadmin/channels/retry/", everyone(405)),
        ("sysadmin_channel_save", "/sysadmin/channels/email/", everyone(405)),
        ("sysadmin_channel_test", "/sysadmin/channels/email/test/", everyone(405)),
        # the office's own duties (issue 16): the office writes, a county leader reads
        ("duties_party", "/duties/", only(office)),
        ("duties_session_new", "/duties/sessions/", everyone(405)),
        ("duties_rotation", "/duties/rotation/", everyone(405)),
        ("duties_export", "/duties/export/", only(office)),
        ("duties_talks", "/duties/talks/", only(office)),
        ("duties_talks_plan", "/duties/talks/plan/", everyone(405)),
        ("duties_talk_record", "/duties/talks/1/", everyone(405)),
        ("duties_work", "/duties/work/", only(office)),
        ("duties_report", "/duties/report/", only(sup)),
        ("duties_list_new", "/duties/lists/", everyone(405)),
        ("duties_measures_new", "/duties/measures/", everyone(405)),
        ("duties_catalogue_new", "/duties/catalogues/", everyone(405)),
        ("duties_study_new", "/duties/studies/", everyone(405)),
        ("duties_drafting_new", "/duties/drafts/", everyone(405)),
        ("duties_study_visit", "/duties/studies/1/visit/", everyone(405)),
        ("duties_study_report", "/duties/studies/1/report/", everyone(405)),
        ("duties_study_review", "/duties/studies/1/review/", everyone(405)),
        ("duties_study_link", "/duties/studies/1/link/", everyone(405)),
        ("duties_settings", "/duties/settings/", only(sup)),
        ("duties_branch_new", "/duties/settings/branches/", everyone(405)),
        ("duties_post_new", "/duties/settings/posts/", everyone(405)),
        ("duties_file", "/duties/files/1/", only(office, ok=404)),
        ("duties_draft_upload", "/duties/drafts/1/upload/", everyone(405)),
        ("duties_draft_review", "/duties/drafts/1/review/", everyone(405)),
        # the system administrator's integrations (对接系统) and their tokens
        ("integrations", "/integrations/", only({"sam"})),
        ("integration_token_issue", "/integrations/1/token/", everyone(405)),
        ("integration_webhook", "/integrations/1/webhook/", everyone(405)),
        ("integration_token_revoke", "/integrations/tokens/1/revoke/", everyone(405)),
        ("integration_delivery_retry", "/integrations/deliveries/1/retry/", everyone(405)),
        # 重大活动 (issue 19): the office plans and runs them, county leaders follow them
        ("event_list", "/events/", only(office)),
        ("event_export", "/events/export.csv", only(office)),
        ("event_new", "/events/new/", only(sup)),
        ("event_detail", f"/events/{w['event']}/", only(office)),
        ("event_units", f"/events/{w['event']}/units/", everyone(405)),
        ("event_issue", f"/events/{w['event']}/issue/", everyone(405)),
        ("event_plan", f"/events/{w['event']}/plan.docx", only(office)),
        ("event_day", f"/events/{w['event']}/day/", only(sup)),
        ("event_notes", f"/events/{w['event']}/notes/", everyone(405)),
        # Before the event there is nothing to follow up: back to its page.
        ("event_follow_up", f"/events/{w['event']}/follow-up/", only(sup, ok=302)),
        ("event_close", f"/events/{w['event']}/close/", everyone(405)),
        ("event_mark", f"/events/items/{w['event_item']}/mark/", everyone(405)),
        ("event_change", f"/events/items/{w['event_item']}/change/", everyone(405)),
        # 办会 (issue 15): web/views/meetings.py
        ("meetings", "/meetings/", only(WORK)),
        ("meeting_types", "/meetings/types/", only(sup)),
        ("meeting_followup", "/meetings/followup/", only(office)),
        ("meeting_law_list", "/meetings/law/", only(office)),
        ("meeting_major", "/meetings/major/", only(office)),
        ("meeting_detail", f"/meetings/{m}/", only(WORK)),
        ("meeting_topic_new", f"/meetings/{m}/topics/new/", only(sup | UNITS)),
        (
            "meeting_material",
            f"/meetings/materials/{w['material']}/",
            only(WORK) | {"bob": 404, "bea": 404},  # another unit's topic, not on an agenda
        ),
        *[
            (f"meeting_{n}", f"/meetings/{m}/{p}/", everyone(405))
            for n, p in [
                ("agenda", "agenda"),
                ("agenda_decide", "agenda/decide"),
                ("notice", "notice"),
                ("sign_in", "sign-in"),
                ("law", "law"),
                ("minutes", "minutes"),
                ("minutes_send", "minutes/send"),
                ("minutes_review", "minutes/review"),
                ("minutes_issue", "minutes/issue"),
            ]
        ],
        # No versions to compare (404); no 纪要 issued yet: back to the meeting (302).
        ("meeting_minutes_diff", f"/meetings/{m}/minutes/diff/", only(office, ok=404)),
        ("meeting_minutes_docx", f"/meetings/{m}/minutes.docx", only(office, ok=302)),
        # 建议提案 (issue 14): the office registers and reviews, units on an item handle it
        ("proposals", "/proposals/", only(WORK)),
        ("proposal_intake", "/proposals/new/", only(sup)),
        ("proposal_session_new", "/proposals/sessions/new/", everyone(405)),
        ("proposal_register", "/proposals/register/", everyone(405)),
        ("proposal_import", "/proposals/import/", everyone(405)),
        ("proposal_report", "/proposals/report/?year=2026", only(sup)),
        ("proposal_ledger", "/proposals/ledger/?year=2026", only(sup)),
        ("proposal_public", "/proposals/public/?year=2026", only(sup)),
        # A unit reads only the items it is (or was) on: unit B gets 404.
        (
            "proposal_detail",
            f"/proposals/{w['proposal']}/",
            only(WORK, other=403) | {"bob": 404, "bea": 404},
        ),
        *[
            (f"proposal_{n}", f"/proposals/{w['proposal']}/{p}/", everyone(405))
            for n, p in [
                ("assign", "assign"),
                ("adjust", "adjust"),
                ("contact", "contact"),
                ("opinion", "opinion"),
                ("draft", "reply"),
                ("satisfaction", "satisfaction"),
            ]
        ],
        (
            "proposal_adjust_decide",
            f"/proposals/adjustments/{w['adjustment']}/decide/",
            everyone(405),
        ),
        ("proposal_sign", f"/proposals/replies/{w['reply']}/sign/", everyone(405)),
        ("proposal_review", f"/proposals/replies/{w['reply']}/review/", everyone(405)),
        ("proposal_send", f"/proposals/replies/{w['reply']}/send/", everyone(405)),
    ]


def _names(patterns: list[Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # Django's admin site: its own test (tests/supervise/test_settings.py)
            out |= _names(p.url_patterns, f"{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            out.add(prefix + p.name)
    return out


def test_every_page_is_in_the_table(world: dict[str, Any]) -> None:
    listed = {name for name, _, _ in table(world)}
    listed |= {f"api-v1:{name}" for name, _, _, _ in api_table(world)}
    listed |= {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}  # documents
    assert _names(get_resolver().url_patterns) - listed == set()


def _client(county: County, who: str) -> Client:
    c = Client()
    c.force_login(getattr(county, who))
    if who == "gone":
        User.objects.filter(username="gone").update(is_active=False)
    return c


def test_each_persona_gets_what_the_table_says(world: dict[str, Any]) -> None:
    county = world["county"]
    User.objects.filter(username="gone").update(is_active=True)  # to sign in, then disabled
    clients = {who: _client(county, who) for who in PERSONAS}
    wrong = []
    for name, path, expected in table(world):
        for who in PERSONAS:
            response = clients[who].get(path)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # closes the file (an attachment)
            got = response.status_code
            if got != expected[who]:
                wrong.append(f"{name} {path} {who}: expected {expected[who]}, got {got}")
    assert wrong == []


def test_the_administrators_posts_to_business_urls_are_refused(world: dict[str, Any]) -> None:
    """三员分立 on writes: no administrator may act on the business, and no business user
    or other administrator may act on an administrator's page. Nothing changes."""
    from duban.org.models import SecurityPolicy
    from duban.work.models import Event

    county = world["county"]
    before = (
        Event.objects.count(),
        list(User.objects.order_by("id").values_list("role", "is_active", "unit_id", "password")),
        UnitAlias.objects.count(),
        SecurityPolicy.objects.count(),
    )
    clients = {who: _client(county, who) for who in PERSONAS if who != "gone"}
    wrong = []
    for name, path, expected in table(world):
        posts = {405: "post-only"}.get(expected["alice"]) or (
            "admin" if name.startswith(("sysadmin", "secadmin", "audit")) else None
        )
        if posts is None or name in ("logout", "login"):
            continue
        owner = {"sysadmin": "sam", "secadmin": "sec", "audit": "aud"}.get(name.split("_")[0])
        refused = (
            [p for p in clients if p != owner]
            if owner
            else [p for p in ("sam", "sec", "aud") if not name.startswith("notification")]
        )
        for who in refused:
            got = clients[who].post(path, {"active": "0", "alias": "x", "role": "supervisor"})
            if got.status_code not in (403, 404):
                wrong.append(f"POST {name} {path} {who}: got {got.status_code}")
    assert wrong == []
    after = (
        Event.objects.count(),
        list(User.objects.order_by("id").values_list("role", "is_active", "unit_id", "password")),
        UnitAlias.objects.count(),
        SecurityPolicy.objects.count(),
    )
    assert after == before


def test_a_unit_not_on_a_proposal_cannot_act_on_it(world: dict[str, Any]) -> None:
    """Unit B was never on unit A's item: its writes are 404 (the item does not exist for
    it, as on the detail page) and leave the item's chain as it was."""
    from duban.proposals.models import Proposal
    from duban.records import chain

    county = world["county"]
    item = Proposal.objects.get(pk=world["proposal"])
    before = len(chain.events_of(item))
    writes = ["proposal_adjust", "proposal_contact", "proposal_opinion", "proposal_draft"]
    paths = {name: path for name, path, _ in table(world)}
    wrong = []
    # bea, a unit head, gets past the role check of 签发 too; bob (a liaison) is a 403 there.
    for who, names in (("bob", writes), ("bea", [*writes, "proposal_sign"])):
        client = _client(county, who)
        for name in names:
            got = client.post(paths[name], {"reason": "x", "text": "x", "on": "2026-03-02"})
            if got.status_code != 404:
                wrong.append(f"{name} {who}: {got.status_code}")
    assert wrong == []
    assert len(chain.events_of(item)) == before


# The API (issue 13 §3): every endpoint × every kind of token. Integrations act as a
# service account: "sup" a supervisor's, "unit_a"/"unit_b" the liaison of unit A/B (the task
# is unit A's), "head_a" unit A's head (单位审核), "revoked" a revoked token of a supervisor
# integration, "none" no token. The head gets what unit A's liaison gets unless a row says.
TOKENS = ["sup", "unit_a", "head_a", "unit_b", "revoked", "none"]


def api_table(w: dict[str, Any]) -> list[tuple[str, str, str, dict[str, int]]]:
    t, d, x = w["task"], w["directive"], w["extension"]

    def gets(sup: int, a: int, b: int, head: int | None = None) -> dict[str, int]:
        head = a if head is None else head
        return {"sup": sup, "unit_a": a, "head_a": head, "unit_b": b, "revoked": 401, "none": 401}

    def posts(
        sup: int = 422, a: int = 422, b: int = 422, head: int | None = None
    ) -> dict[str, int]:
        # An empty body: 422 naming the missing field, where the action takes one; a unit
        # not on the task hears why (403), as on the pages (the action decides who may act).
        head = a if head is None else head
        return {"sup": sup, "unit_a": a, "head_a": head, "unit_b": b, "revoked": 401, "none": 401}

    return [
        ("me", "GET", "/api/v1/me", gets(200, 200, 200)),
        ("units", "GET", "/api/v1/units", gets(200, 200, 200)),
        ("leaders", "GET", "/api/v1/leaders", gets(200, 200, 200)),
        # a unit sees the directives it has tasks on (selectors.directives_visible_to)
        ("directive_list", "GET", "/api/v1/directives", gets(200, 200, 200)),
        ("directive_detail", "GET", f"/api/v1/directives/{d}", gets(200, 200, 404)),
        ("ledger_list", "GET", "/api/v1/ledger", gets(200, 200, 200)),
        ("task_list", "GET", "/api/v1/tasks", gets(200, 200, 200)),
        ("task_detail", "GET", f"/api/v1/tasks/{t}", gets(200, 200, 404)),
        ("task_events", "GET", f"/api/v1/tasks/{t}/events", gets(200, 200, 404)),
        ("statistics", "GET", "/api/v1/stats", gets(200, 200, 200)),
        ("directive_register", "POST", "/api/v1/directives", posts()),
        ("directive_upload", "POST", "/api/v1/directives/upload", posts()),
        ("directive_decompose", "POST", f"/api/v1/directives/{d}/tasks", posts()),
        ("directive_report_back", "POST", f"/api/v1/directives/{d}/report-back", posts()),
        # the task is in progress: assigning or closing it again is a conflict (409)
        ("task_assign", "POST", f"/api/v1/tasks/{t}/assign", posts(409, 403, 403)),
        ("task_receive", "POST", f"/api/v1/tasks/{t}/receive", posts(403, 409, 403)),
        *[
            (f"task_{n}", "POST", f"/api/v1/tasks/{t}/{n}", posts())
            for n in ["return", "progress", "extension", "submit", "urge", "comment", "verify"]
        ],
        ("task_close", "POST", f"/api/v1/tasks/{t}/close", posts(409, 403, 403)),
        ("extension_decide", "POST", f"/api/v1/extensions/{x}/decide", posts()),
        # 单位审核: the unit's queue (a liaison sees what waits at its head); deciding needs
        # a verdict (422 for an empty body), then only the unit's head may give it.
        ("unit_review_list", "GET", "/api/v1/unit-reviews", gets(403, 200, 200)),
        ("unit_review_decide", "POST", f"/api/v1/unit-reviews/{w['review']}/decide", posts()),
    ]


@pytest.fixture
def api_tokens(world: dict[str, Any]) -> dict[str, str]:
    from duban.api import tokens

    c = world["county"]
    out = {
        "sup": tokens.create_integration(name="市平台", role=Role.SUPERVISOR, by=c.sam).raw,
        "unit_a": tokens.create_integration(
            name="甲单位OA", role=Role.LIAISON, unit=c.a, by=c.sam
        ).raw,
        "unit_b": tokens.create_integration(
            name="乙单位OA", role=Role.LIAISON, unit=c.b, by=c.sam
        ).raw,
        "head_a": tokens.create_integration(
            name="甲单位负责人OA", role=Role.UNIT_HEAD, unit=c.a, by=c.sam
        ).raw,
    }
    old = tokens.create_integration(name="旧系统", role=Role.SUPERVISOR, by=c.sam)
    tokens.revoke_token(token=old.token, by=c.sam)
    out["revoked"] = old.raw
    return out


def test_each_token_gets_what_the_api_table_says(
    world: dict[str, Any], api_tokens: dict[str, str]
) -> None:
    """Every refusal is a JSON problem with a Chinese detail and a code."""
    client = Client()
    wrong = []
    for name, method, path, expected in api_table(world):
        for who in TOKENS:
            headers = {"Authorization": f"Bearer {api_tokens[who]}"} if who in api_tokens else {}
            if method == "GET":
                response = client.get(path, headers=headers)
            else:
                response = client.post(path, {}, content_type="application/json", headers=headers)
            got = response.status_code
            if got != expected[who]:
                wrong.append(f"{name} {method} {path} {who}: expected {expected[who]}, got {got}")
            elif got >= 400:
                body = response.json()
                chinese = any("\u4e00" <= ch <= "\u9fff" for ch in body.get("detail", ""))
                if not (
                    response["Content-Type"].startswith("application/problem+json")
                    and chinese
                    and body.get("code")
                    and body.get("status") == got
                ):
                    wrong.append(f"{name} {path} {who}: not a Chinese problem: {body}")
    assert wrong == [], "\n".join(wrong)
