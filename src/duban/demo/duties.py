"""A year of the office's own duties for the demo county (issue 16).

Three party branches with their 三会一课 and 主题党日 (a few missed, so the calendar shows
red), the rotation, the quarterly 廉政约谈 (one quarter missed), two responsibility lists,
reform measures, research, a 放管服 list in two versions and a drafting assignment with two
versions. Everything goes through `duban.duties.actions`, dated across the year up to `now`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from duban.duties import actions, selectors
from duban.duties import calendar as cal
from duban.duties.models import IntegrityTalk
from duban.org.models import Leader, Role, Unit, User

SH = ZoneInfo("Asia/Shanghai")

TOPICS = {
    "congress": ["学习贯彻党的二十届三中全会精神", "民主评议党员", "年度组织生活会"],
    "committee": ["研究部署支部工作", "研究发展党员工作", "研究党费收缴情况"],
    "group": ["学习《中国共产党纪律处分条例》", "交流学习体会", "学习典型案例"],
    "lecture": ["书记讲党课：以文辅政", "廉政党课", "从严治党专题党课"],
    "theme_day": ["重温入党誓词", "参观廉政教育基地", "志愿服务进社区", "红色教育现场学习"],
}


def _at(day: date, hour: int = 16) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def _docx(text: str) -> SimpleUploadedFile:
    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    out = BytesIO()
    doc.save(out)
    return SimpleUploadedFile("稿件.docx", out.getvalue())


def build_duties(*, now: datetime, seed: int = 2026) -> None:
    rnd = random.Random(seed)
    today = now.astimezone(SH).date()
    year = today.year
    start = _at(date(year, 1, 5), 9)
    office = list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id"))
    if len(office) < 2:
        return
    director = office[0]
    sections = {u.code: u for u in Unit.objects.filter(kind="section")}
    branches = [
        actions.save_branch(
            name=name,
            order=n,
            secretary=office[n % len(office)],
            members=office[n::3],
            other_members="\n".join(f"党员{n + 1}-{i}" for i in range(1, 6)),
            by=director,
            now=start,
        )
        for n, name in enumerate(["机关第一党支部", "机关第二党支部", "机关第三党支部"])
    ]
    actions.plan_theme_days(year=year, by=director, now=start)
    leads = selectors.theme_day_leads(year)
    for branch in branches:
        for slot in cal.slots(year):
            if slot.start > today:
                break
            if slot.kind == "theme_day" and leads[slot.start.month].pk != branch.pk:
                continue
            # About one in twenty sessions is missed, so the calendar shows what red means.
            if rnd.random() < 0.05:
                continue
            last = min(slot.due, today - timedelta(days=1))
            if last < slot.start:
                continue
            held = slot.start + timedelta(days=rnd.randint(0, (last - slot.start).days))
            expected = branch.member_count()
            actions.record_session(
                branch=branch,
                kind=slot.kind,
                held_on=held,
                topic=rnd.choice(TOPICS[slot.kind]),
                attended=expected - rnd.randint(0, 2),
                expected=expected,
                minutes=f"{branch.name}{cal.LABELS[cal.SessionKind(slot.kind)]}，会议按程序进行。",
                by=director,
                now=_at(held, 18),
            )
    posts = []
    for order, (code, title, holder, category) in enumerate(
        [
            ("dcs", "督查室主任", "王丽", "section_head"),
            ("msk", "秘书科科长", "刘建平", "section_head"),
            ("zhk", "综合科科长", "张海燕", "section_head"),
            ("xxk", "信息科科长", "陈志强", "section_head"),
            ("jgsw", "县机关事务中心主任", "马国庆", "unit_head"),
            ("dcs", "财务及采购岗", "李志明", "key_post"),
        ]
    ):
        unit = sections.get(code) or Unit.objects.filter(code=code).first()
        if unit is None:
            continue
        posts.append(
            actions.save_post(
                title=title, holder=holder, category=category, unit=unit, order=order,
                by=director, now=start,
            )
        )  # fmt: skip
    actions.plan_talks(year=year, by=director, now=start)
    for talk in IntegrityTalk.objects.filter(year=year).select_related("post"):
        q_start, q_end = cal.quarter_bounds(year, talk.quarter)
        last = min(q_end, today - timedelta(days=1))
        if last < q_start or (talk.quarter == 2 and talk.post.category == "key_post"):
            continue  # the key post's second quarter is missed: flagged red
        held = q_start + timedelta(days=rnd.randint(0, (last - q_start).days))
        actions.record_talk(
            talk=talk, held_on=held, talker="县政府办公室主任",
            points="严守廉洁纪律，落实一岗双责，警惕“四风”隐形变异。",
            follow_up="已对照要点自查，形成整改清单。", by=director, now=_at(held),
        )  # fmt: skip
    end = date(year, 12, 31)
    for post in posts[:2]:
        actions.register_responsibility_list(
            year=year,
            post=post,
            items=[
                actions.Item("落实党风廉政建设“一岗双责”，每季度研究本股室廉政风险", end),
                actions.Item("组织本股室人员开展警示教育不少于2次", end),
            ],
            by=director,
            now=start,
        )
    units = {u.code: u for u in Unit.objects.filter(code__in=["spj", "fgj", "sjzyj"])}
    if len(units) == 3:
        actions.register_reform_measures(
            year=year,
            title=f"{year}年优化营商环境40条措施",
            items=[
                actions.Item("推行容缺审批，公布容缺受理事项清单", end, units["spj"]),
                actions.Item("重大项目全程代办，落实代办责任人", end, units["fgj"]),
                actions.Item("一件事一次办主题事项全部上线", end, units["sjzyj"]),
            ],
            by=director,
            now=start,
        )
        items = [
            {"name": "企业开办一件事", "unit": "spj"},
            {"name": "新生儿出生一件事", "unit": "sjzyj"},
            {"name": "退休一件事", "unit": "spj"},
        ]
        actions.publish_catalogue(
            kind="one_thing", name="云溪县一件事一次办目录", items=items,
            published_on=date(year, 3, 1), by=director, now=_at(date(year, 3, 1)),
        )  # fmt: skip
        second = [
            *items[:2],
            {"name": "退休一件事", "unit": "fgj"},  # owner changed
            {"name": "二手房转移登记及水电气联动过户一件事", "unit": "spj"},  # added
        ]
        on = min(date(year, 9, 1), today)
        actions.publish_catalogue(
            kind="one_thing", name="云溪县一件事一次办目录", items=second, published_on=on,
            by=director, now=_at(on),
        )  # fmt: skip
    leader = Leader.objects.order_by("order", "id").first()
    study = actions.open_study(
        year=year, topic="县域营商环境优化调研", staff=office[1], leader=leader, by=director,
        now=start,
    )  # fmt: skip
    visit_on = min(date(year, 4, 10), today)
    actions.record_visit(
        study=study, on=visit_on, place="县政务服务中心", notes="座谈企业代表8名",
        by=director, now=_at(visit_on),
    )  # fmt: skip
    actions.submit_study_report(
        study=study, file=_docx("一、基本情况\n二、存在问题"), by=director, now=_at(visit_on, 17)
    )
    actions.review_study(study=study, accept=True, note="", by=director, now=_at(visit_on, 18))
    due = max(date(year, 12, 20), today)
    drafting = actions.assign_drafting(
        year=year, kind="work_report", title=f"{year + 1}年县政府工作报告", drafter=office[1],
        reviewer=director, due=due, by=director, now=now,
    )  # fmt: skip
    actions.upload_draft(
        assignment=drafting,
        file=_docx("一、过去一年的工作\n二、今年的主要任务"),
        by=office[1],
        now=now,
    )
    actions.review_draft(
        assignment=drafting, accept=False, note="请补充民生实事", by=director, now=now
    )
    actions.upload_draft(
        assignment=drafting,
        file=_docx("一、过去一年的工作\n二、今年的主要任务\n三、扎实办好民生实事"),
        by=office[1],
        now=now,
    )
