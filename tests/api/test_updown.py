"""上下联动: a city platform assigns to the county through the API, and the county's 回音
goes back to the city's system through the signed webhook — what is done by fax today."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone

from duban.api import tokens
from duban.api.models import Integration
from duban.api.webhooks import deliver_webhooks
from duban.work import actions
from duban.work.models import Task
from tests.api.conftest import Caller
from tests.api.receiver import Receiver
from tests.conftest import County


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_city_assigns_and_the_county_reports_back(
    county: County, receiver: Receiver, oa_a: Caller
) -> None:
    issued = tokens.create_integration(name="市督查平台", role="supervisor", by=county.sam)
    city = Caller(issued.raw)
    receiver.secret = tokens.set_webhook(
        integration=issued.token.integration, url=receiver.url, by=county.sam
    )

    # The city registers its 交办件 with two tasks, sent out at once (即批即转).
    r = city.post(
        "/api/v1/directives",
        {
            "kind": "superior",
            "title": "关于开展汛前安全隐患排查的交办函",
            "doc_no": "云市督办〔2026〕12号",
            "issuer": "云州市人民政府督查室",
            "urgency": "urgent",
            "text": "请于10个工作日内完成排查并报送情况。",
            "tasks": [
                {"content": "排查城区易涝点并建立台账", "lead": ["县发改局"], "due": "10个工作日"},
                {"content": "核实防汛物资储备资金", "lead": ["czj"], "co": ["城关镇"]},
            ],
        },
    )
    assert r.status_code == 201, r.content.decode()
    directive = r.json()
    assert [t["status"] for t in directive["tasks"]] == ["assigned", "assigned"]
    first, second = (t["id"] for t in directive["tasks"])

    # Unit A works through its OA; unit B and the township through the pages' actions.
    assert oa_a.post(f"/api/v1/tasks/{first}/receive").status_code == 200
    r = oa_a.form(f"/api/v1/tasks/{first}/submit", {"text": "已排查易涝点23处，台账已建立。"})
    assert r.json()["status"] == "submitted"
    now = timezone.now()
    t2 = Task.objects.get(pk=second)
    actions.receive(task=t2, by=county.bob, now=now)
    actions.receive(task=t2, by=county.carl, now=now)
    actions.submit_done(task=t2, text="城关镇物资已核实。", by=county.carl, now=now)
    actions.submit_done(task=t2, text="储备资金120万元已到位。", by=county.bob, now=now)

    # The county's office verifies and closes, then writes the 回音 on its own pages.
    for pk in (first, second):
        task = Task.objects.get(pk=pk)
        actions.verify(task=task, accept=True, by=county.alice, now=now)
        actions.close(task=task, by=county.alice, now=now)
    d = Task.objects.get(pk=first).directive
    actions.report_back(
        directive=d,
        text="两项任务均已按期办结，易涝点台账及资金到位情况随文报送。",
        by=county.alice,
        now=now,
    )

    result = deliver_webhooks(now=timezone.now())
    assert receiver.rejected == []
    kinds = receiver.kinds()
    assert kinds[0] == "registered" and kinds[-1] == "reported_back"
    assert kinds.count("assigned") == 2 and kinds.count("closed") == 2
    assert result.delivered == len(kinds)
    back = receiver.received[-1]["body"]
    assert back["directive"]["doc_no"] == "云市督办〔2026〕12号"
    assert back["directive"]["status"] == "reported_back"
    assert back["event"]["payload"]["text"].startswith("两项任务均已按期办结")

    # The city can also read the answer back through the API.
    r = city.get(f"/api/v1/directives/{directive['id']}")
    assert r.json()["report_back_text"].startswith("两项任务均已按期办结")

    # Running the worker again sends nothing twice.
    assert deliver_webhooks(now=timezone.now()).delivered == 0
    assert len(receiver.received) == len(kinds)
    assert Integration.objects.get(name="市督查平台").deliveries.count() == len(kinds)
