"""The demo county's 人大建议 and 政协提案 of the year: a session's worth in every state.

Twenty-four deputies' suggestions and sixteen members' proposals, registered after the sessions
in January, assigned at the 交办会 in late February and driven through the stream's
actions up to `now`: most answered and closed with the deputies' satisfaction, some
dissatisfied and handled again, B promises tracked as tasks, an adjustment decided, and a
few still in hand (one overdue) or waiting for feedback. Every write goes through
`proposals.actions`, so the demo's record verifies like any other.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from duban.org.models import Role, Unit, User
from duban.proposals import actions
from duban.proposals.models import Body, Proposal, Reply

SH = ZoneInfo("Asia/Shanghai")

TOPICS = [
    ("关于加快老旧小区改造的建议", "zjj", ["czj"]),
    ("关于改善城乡公交线路的建议", "jtj", ["czj"]),
    ("关于加强农村饮水安全保障的建议", "slj", ["wjj"]),
    ("关于推进义务教育优质均衡发展的建议", "jyj", ["czj", "rsj"]),
    ("关于加强基层医疗卫生服务能力的建议", "wjj", ["ybj"]),
    ("关于扶持特色农业产业发展的建议", "nyj", ["czj"]),
    ("关于加强食品安全监管的建议", "scjgj", []),
    ("关于优化营商环境的建议", "fgj", ["scjgj"]),
    ("关于加强河道综合治理的建议", "slj", ["sthj"]),
    ("关于完善养老服务体系的建议", "mzj", ["wjj"]),
    ("关于规范城区停车管理的建议", "gaj", ["zjj"]),
    ("关于加快乡村旅游发展的建议", "wlj", ["nyj"]),
    ("关于加强中小学校园安全的建议", "jyj", ["gaj"]),
    ("关于提升城市绿化水平的建议", "zjj", ["lyj"]),
    ("关于加大稳岗就业扶持力度的建议", "rsj", ["czj"]),
    ("关于加强农村道路养护的建议", "jtj", []),
    ("关于推进垃圾分类的建议", "zjj", ["sthj"]),
    ("关于保护和利用历史文化街区的建议", "wlj", ["zrzyj"]),
    ("关于加强森林防火的建议", "lyj", ["yjj"]),
    ("关于完善社区体育设施的建议", "wlj", ["tyjr"]),
]
NPC_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周涛", "吴霞"]
CPPCC_NAMES = ["孙立", "马骏", "朱红", "胡斌", "郭琳", "何平", "高峰", "林芳", "罗军", "梁燕"]
DELEGATIONS = ["城关镇代表团", "青山镇代表团", "白河镇代表团", "龙泉镇代表团", "县直代表团"]
SECTORS = ["经济界", "教育界", "医药卫生界", "农业界", "科技界"]
# The fate of each item, in order: most satisfied at the first reply, some basic, a few
# dissatisfied (handled again), some waiting for feedback, a few still in hand.
FATES = ["satisfied"] * 5 + ["basic"] * 2 + ["reopened"] + ["waiting"] + ["handling"]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def build_proposals(*, now: datetime, seed: int = 2026) -> int:
    """Register, assign and handle the year's items up to `now`; returns how many."""
    rnd = random.Random(seed)
    today = timezone.localtime(now).date()
    year = today.year if today >= date(today.year, 8, 1) else today.year - 1
    office = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id").first()
    if office is None:
        return 0
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    people: dict[int, dict[str, User]] = {}
    for u in User.objects.filter(role__in=[Role.LIAISON, Role.UNIT_HEAD], is_active=True):
        if u.unit_id is not None:
            people.setdefault(u.unit_id, {}).setdefault(u.role, u)
    topics = [
        (title, units[lead], [units[c] for c in co if c in units])
        for title, lead, co in TOPICS
        if lead in units and {"liaison", "unit_head"} <= set(people.get(units[lead].pk, {}))
    ]
    if not topics:
        return 0
    count = 0
    for body, n, names, groups, opened in (
        (Body.NPC, 24, NPC_NAMES, DELEGATIONS, date(year, 1, 12)),
        (Body.CPPCC, 16, CPPCC_NAMES, SECTORS, date(year, 1, 10)),
    ):
        session = actions.create_session(
            year=year,
            body=body,
            name="县第十八届人民代表大会第五次会议"
            if body == Body.NPC
            else "政协县第十届委员会第五次会议",
            by=office,
            now=_at(opened + timedelta(days=5), 9),
        )
        for i in range(1, n + 1):
            title, lead, co = topics[(i * 7 + (body == Body.CPPCC) * 3) % len(topics)]
            if body == Body.CPPCC:
                title = title.replace("的建议", "的提案")
            lead_name = names[i % len(names)]
            item = actions.register(
                session=session,
                item=actions.ItemDraft(
                    number=i,
                    title=title,
                    text=f"{title.removeprefix('关于').removesuffix('的建议').removesuffix('的提案')}"
                    "事关群众切身利益，建议县政府统筹资金、明确责任单位，制定具体实施方案并限期落实。",
                    lead=actions.ProposerDraft(
                        name=lead_name,
                        delegation=groups[i % len(groups)],
                        phone=f"139{rnd.randrange(10**8):08d}",
                    ),
                    joined=[actions.ProposerDraft(name=names[(i + 3) % len(names)])],
                    urgent=i % 13 == 0,
                ),
                by=office,
                now=_at(opened + timedelta(days=20), 10),
            )
            count += 1
            fate = FATES[(i + (body == Body.CPPCC)) % len(FATES)]
            _handle(item, fate, lead, co, office, people, year, today, rnd)
    return count


def _handle(
    item: Proposal,
    fate: str,
    lead: Unit,
    co: list[Unit],
    office: User,
    people: dict[int, dict[str, User]],
    year: int,
    today: date,
    rnd: random.Random,
) -> None:
    assigned = date(year, 2, 26)
    if today <= assigned + timedelta(days=100):
        return  # the demo's "now" is before the handling would be done: leave it registered
    # Co-units on every other item only: each co-unit adds a 签收 and a 办结报告 to the
    # task, and the demo must stay within a few seconds of its former build time.
    co = [u for u in co if "liaison" in people.get(u.pk, {})] if item.number % 2 == 0 else []
    actions.assign(proposal=item, lead=[lead], co=co, by=office, now=_at(assigned, 15))
    liaison, head = people[lead.pk]["liaison"], people[lead.pk]["unit_head"]
    day = assigned + timedelta(days=10 + rnd.randrange(20))
    actions.record_contact(
        proposal=item,
        on=day,
        way=rnd.choice(["visit", "phone", "meeting"]),
        with_whom=item.proposers.get(role="lead").name,
        by_whom=liaison.display,
        note="当面听取意见，介绍办理思路。",
        by=liaison,
        now=_at(day, 16),
    )
    for u in co:
        actions.send_opinion(
            proposal=item,
            text="我单位将在职责范围内积极配合，资金和政策支持意见已函告主办单位。",
            by=people[u.pk]["liaison"],
            now=_at(day + timedelta(days=5), 10),
        )
    if fate == "handling":
        return  # still in hand: overdue by the year's end, lit red by tick
    category = "A" if item.number % 3 == 0 else ("B" if item.number % 3 == 1 else "C")
    if item.number % 10 == 7:
        category = "D"
    reply_day = assigned + timedelta(days=50 + rnd.randrange(35))
    _reply(item, category, liaison, head, office, reply_day, year)
    if fate == "waiting":
        return
    fb_day = reply_day + timedelta(days=12)
    if fate == "reopened":
        actions.record_satisfaction(
            proposal=item,
            level="dissatisfied",
            comment="答复缺少具体时间表，希望进一步明确。",
            by=office,
            now=_at(fb_day, 10),
        )
        day2 = fb_day + timedelta(days=7)
        actions.record_contact(
            proposal=item,
            on=day2,
            way="visit",
            with_whom=item.proposers.get(role="lead").name,
            by_whom=head.display,
            note="单位负责人登门沟通，明确了时间表。",
            by=liaison,
            now=_at(day2, 15),
        )
        _reply(item, "B", liaison, head, office, day2 + timedelta(days=10), year)
        actions.record_satisfaction(
            proposal=item, level="basic", by=office, now=_at(day2 + timedelta(days=20), 10)
        )
        return
    actions.record_satisfaction(proposal=item, level=fate, by=office, now=_at(fb_day, 10))


def _reply(
    item: Proposal,
    category: str,
    liaison: User,
    head: User,
    office: User,
    day: date,
    year: int,
) -> Reply:
    promised = category == "B" or (category == "C" and item.number % 2 == 0)
    r = actions.draft_reply(
        proposal=item,
        category=category,
        text="感谢您对我县工作的关心和支持。经认真研究，现答复如下：\n"
        "一、已将相关工作纳入年度重点工作，明确责任股室和时间节点。\n"
        "二、下一步将加大投入，定期向代表委员通报进展。",
        promise="列入下年度工作计划并组织实施" if promised else "",
        promise_due=date(year + 1, 6, 30) if promised else None,
        is_public=item.number % 4 != 0,
        by=liaison,
        now=_at(day, 9),
    )
    r = actions.sign_reply(reply=r, by=head, now=_at(day, 11))
    r = actions.review_reply(reply=r, approve=True, by=office, now=_at(day + timedelta(days=1), 10))
    return actions.send_reply(reply=r, by=office, now=_at(day + timedelta(days=2), 10))
