"""Points 3-6 of issue 16: responsibility lists and reform measures through the task
machinery, research with report versions, 放管服 lists as versions with differences, and
drafting with versions and the difference between two .docx texts."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from duban.coordination.tick import tick
from duban.duties import actions, diff, selectors
from duban.duties import calendar as cal
from duban.duties.models import DutyFile
from duban.notify.models import Outbox
from duban.records import chain
from duban.work import actions as work
from duban.work.errors import Invalid, Refused
from duban.work.models import DirectiveKind, Light, TaskStatus
from tests.conftest import County, at
from tests.duties.conftest import Duties


def docx(text: str, name: str = "稿件.docx") -> SimpleUploadedFile:
    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    out = BytesIO()
    doc.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def test_a_responsibility_list_is_a_directive_whose_items_are_tasks(duties: Duties) -> None:
    c = duties.county
    post = duties.posts[1]  # 财政局局长, unit B
    rl = actions.register_responsibility_list(
        year=2026,
        post=post,
        items=[
            actions.Item("每季度研究一次廉政风险", date(2026, 3, 31)),
            actions.Item("开展警示教育2次", date(2026, 12, 31)),
        ],
        by=c.alice,
        now=at("2026-01-06 09:00"),
    )
    assert rl.directive.kind == DirectiveKind.OTHER
    tasks = list(rl.directive.tasks.order_by("number"))
    assert [t.lead_unit for t in tasks] == [c.b, c.b]
    assert all(t.status == TaskStatus.ASSIGNED for t in tasks)
    assert Outbox.objects.filter(recipient=c.bob).exists()  # the unit is told, as for any task
    # Check-off: the unit reports it done with evidence; the office closes it.
    first = tasks[0]
    work.receive(task=first, by=c.bob, now=at("2026-01-06 10:00"))
    evidence = SimpleUploadedFile(
        "会议记录.pdf", b"%PDF-1.4 evidence", content_type="application/pdf"
    )
    work.submit_done(
        task=first, text="已研究", attachments=[evidence], by=c.bob, now=at("2026-03-20 10:00")
    )
    work.verify(task=first, accept=True, by=c.alice, now=at("2026-03-21 10:00"))
    work.close(task=first, by=c.alice, now=at("2026-03-21 10:05"))
    first.refresh_from_db()
    assert first.status == TaskStatus.CLOSED and first.closed_on_time
    # The second item, not done by its date, lights red and counts as unmet.
    tick(now=at("2027-01-02 09:00"))
    assert rl.directive.tasks.get(number=2).light == Light.RED
    assert selectors.responsibility_unmet(year=2026, today=date(2027, 1, 2)).count() == 1
    with pytest.raises(Invalid):
        actions.register_responsibility_list(
            year=2026, post=post, items=[actions.Item("x", date(2026, 12, 31))], by=c.alice,
            now=at("2026-01-07 09:00"),
        )  # fmt: skip


def test_reform_measures_are_key_work(duties: Duties) -> None:
    c = duties.county
    rm = actions.register_reform_measures(
        year=2026,
        title="2026年优化营商环境40条措施",
        items=[actions.Item("推行容缺审批", date(2026, 6, 30), c.a)],
        by=c.alice,
        now=at("2026-02-01 09:00"),
    )
    assert rm.directive.kind == DirectiveKind.KEY_WORK
    assert selectors.reform_tasks(year=2026).get().lead_unit == c.a
    with pytest.raises(Invalid) as e:
        actions.register_reform_measures(
            year=2026, title="缺单位", items=[actions.Item("x", date(2026, 6, 30))],
            by=c.alice, now=at("2026-02-01 09:00"),
        )  # fmt: skip
    assert e.value.message == "每项措施须有责任单位。"


def test_a_study_keeps_its_visits_versions_review_and_outcome(duties: Duties) -> None:
    c = duties.county
    s = actions.open_study(
        year=2026, topic="营商环境调研", staff=c.alice, leader=c.leader_lily, by=c.alice,
        now=at("2026-02-01 09:00"),
    )  # fmt: skip
    actions.record_visit(
        study=s, on=date(2026, 2, 10), place="县政务服务中心", notes="座谈", by=c.alice,
        now=at("2026-02-10 18:00"),
    )  # fmt: skip
    actions.submit_study_report(study=s, file=docx("初稿"), by=c.alice, now=at("2026-03-01 09:00"))
    actions.review_study(
        study=s, accept=False, note="补充数据", by=c.alice, now=at("2026-03-02 09:00")
    )
    actions.submit_study_report(study=s, file=docx("二稿"), by=c.alice, now=at("2026-03-05 09:00"))
    actions.review_study(study=s, accept=True, note="", by=c.alice, now=at("2026-03-06 09:00"))
    d = work.register(
        kind="instruction", title="李丽副县长对营商环境调研报告的批示", urgency="normal",
        received_at=at("2026-03-07 09:00"), issuer_leader=c.leader_lily, by=c.alice,
        now=at("2026-03-07 09:00"),
    )  # fmt: skip
    actions.link_study(study=s, directive=d, by=c.alice, now=at("2026-03-07 10:00"))
    s.refresh_from_db()
    assert [f.version for f in selectors.study_reports(s)] == [1, 2]
    assert selectors.study_reports(s)[1].text == "二稿"
    assert (s.status, s.accepted_on, len(s.visits)) == ("accepted", date(2026, 3, 6), 1)
    assert list(s.directives.all()) == [d]
    kinds = [e.kind for e in chain.events_of(s)]
    assert kinds == ["opened", "visit", "report", "reviewed", "report", "reviewed", "linked"]
    assert selectors.studies_accepted(year=2026) == 1


def test_a_catalogue_version_shows_its_differences(duties: Duties) -> None:
    c = duties.county
    v1 = [{"name": "企业开办一件事", "unit": "fgj"}, {"name": "退休一件事", "unit": "czj"}]
    v2 = [{"name": "企业开办一件事", "unit": "cgz"}, {"name": "新生儿出生一件事", "unit": "czj"}]
    actions.publish_catalogue(
        kind="one_thing", name="一件事一次办目录", items=v1, published_on=date(2026, 3, 1),
        by=c.alice, now=at("2026-03-01 09:00"),
    )  # fmt: skip
    second = actions.publish_catalogue(
        kind="one_thing", name="一件事一次办目录", items=v2, published_on=date(2026, 9, 1),
        by=c.alice, now=at("2026-09-01 09:00"),
    )  # fmt: skip
    assert second.number == 2 and second.catalogue.version == 2
    [_, ev] = chain.events_of(second.catalogue)
    assert ev.payload["added"] == ["新生儿出生一件事"] and ev.payload["removed"] == ["退休一件事"]
    assert ev.payload["moved"] == ["企业开办一件事"]
    changes = diff.catalogue(v1, v2)
    assert changes.moved == [({"name": "企业开办一件事", "unit": "cgz"}, "fgj")]
    with pytest.raises(Invalid) as e:
        actions.publish_catalogue(
            kind="items", name="事项清单", items=[{"name": "x", "unit": "nope"}],
            published_on=date(2026, 9, 1), by=c.alice, now=at("2026-09-01 09:00"),
        )  # fmt: skip
    assert e.value.message == "第1项的责任单位“nope”不存在。"


def test_drafting_keeps_versions_with_their_difference_and_a_light(
    duties: Duties, county: County
) -> None:
    c = county
    a = actions.assign_drafting(
        year=2026, kind="speech", title="县长在全县经济工作会议上的讲话", drafter=c.alice,
        reviewer=c.lily, due=date(2026, 3, 20), by=c.alice, now=at("2026-03-01 09:00"),
    )  # fmt: skip
    assert selectors.drafting_light(a, date(2026, 3, 10)) == cal.Light.GREEN
    assert selectors.drafting_light(a, date(2026, 3, 21)) == cal.Light.RED
    actions.upload_draft(
        assignment=a, file=docx("一、成绩\n二、任务"), by=c.alice, now=at("2026-03-05 09:00")
    )
    with pytest.raises(Refused):
        actions.review_draft(
            assignment=a, accept=True, note="", by=c.amy, now=at("2026-03-06 09:00")
        )
    actions.review_draft(
        assignment=a, accept=False, note="任务部分要具体", by=c.lily, now=at("2026-03-06 09:00")
    )
    actions.upload_draft(
        assignment=a, file=docx("一、成绩\n二、重点任务\n三、要求"), by=c.alice,
        now=at("2026-03-08 09:00"),
    )  # fmt: skip
    actions.review_draft(assignment=a, accept=True, note="", by=c.lily, now=at("2026-03-09 09:00"))
    a.refresh_from_db()
    assert (a.status, a.finished_on) == ("final", date(2026, 3, 9))
    assert selectors.drafting_light(a, date(2026, 3, 21)) == cal.Light.DONE
    v1, v2 = selectors.draft_versions(a)
    lines = [(line.op, line.text) for line in diff.text_lines(v1.text, v2.text)]
    assert lines == [(" ", "一、成绩"), ("-", "二、任务"), ("+", "二、重点任务"), ("+", "三、要求")]
    assert DutyFile.objects.filter(stream=a.stream).count() == 2
    assert chain.verify().problems == []


def test_the_page_shows_the_lists_and_the_differences(duties: Duties, client_for: object) -> None:
    c = duties.county
    for n, items in enumerate(
        [[{"name": "退休一件事", "unit": "czj"}], [{"name": "退休一件事", "unit": "fgj"}]], 1
    ):
        actions.publish_catalogue(
            kind="one_thing", name="一件事一次办目录", items=items,
            published_on=date(2026, n, 1), by=c.alice, now=at(f"2026-0{n}-01 09:00"),
        )  # fmt: skip
    a = actions.assign_drafting(
        year=2026, kind="report", title="上半年工作汇报", drafter=c.alice, reviewer=c.lily,
        due=date(2026, 7, 10), by=c.alice, now=at("2026-07-01 09:00"),
    )  # fmt: skip
    for n, text in enumerate(["一、总体情况", "一、总体情况\n二、下半年打算"], 1):
        actions.upload_draft(
            assignment=a, file=docx(text), by=c.alice, now=at(f"2026-07-0{n + 1} 09:00")
        )
        if n == 1:
            actions.review_draft(
                assignment=a, accept=False, note="加打算", by=c.lily, now=at("2026-07-02 12:00")
            )
    page = client_for(c.alice).get("/duties/work/?year=2026").content.decode()  # type: ignore[operator]
    assert "“退休一件事”责任单位由县财政局调整为县发改局" in page
    assert "+ 二、下半年打算</ins>" in page
