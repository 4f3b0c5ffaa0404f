"""The demo county's directives: realistic, fictional, in the office's own words.

Each template is one directive and its tasks. `{town}` is filled with a township's short
name and `{n}` with a small number so the year of demo data does not repeat itself word
for word. Units are unit codes from county.yaml; a task's leader is the leader whose line
holds its lead unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TaskTemplate:
    content: str
    lead: tuple[str, ...]
    co: tuple[str, ...] = ()
    requirement: str = ""
    due: dict[str, Any] = field(default_factory=dict)  # {} → the office default
    cycle: str = "none"
    cycle_day: int | None = None
    is_key: bool = False


@dataclass(frozen=True)
class DirectiveTemplate:
    kind: str
    title: str
    issuer: str  # a leader code for instructions, else the issuing body
    doc_no: str
    text: str
    tasks: tuple[TaskTemplate, ...]
    urgency: str = "normal"


TEMPLATES: tuple[DirectiveTemplate, ...] = (
    DirectiveTemplate(
        kind="meeting",
        title="县政府第{n}次常务会议议定事项",
        issuer="县政府常务会议",
        doc_no="云政常纪〔{year}〕{n}号",
        text=(
            "会议听取了县住建局关于城区老旧小区改造工作的汇报。\n"
            "会议要求，由县住建局牵头，县财政局、县自然资源局配合，于{month}月底前完成"
            "{town}片区老旧小区改造项目立项。\n"
            "会议强调，县财政局要统筹落实项目配套资金，每月5日前报送资金拨付进展。"
        ),
        tasks=(
            TaskTemplate(
                content="完成{town}片区老旧小区改造项目立项",
                lead=("zjj",),
                co=("czj", "zrzyj"),
                requirement="形成立项批复，报县政府备案",
                due={"days": 60},
                cycle="monthly",
                cycle_day=5,
                is_key=True,
            ),
            TaskTemplate(
                content="统筹落实老旧小区改造项目配套资金",
                lead=("czj",),
                requirement="明确资金来源和拨付计划",
                due={"days": 45},
                cycle="monthly",
                cycle_day=5,
            ),
        ),
    ),
    DirectiveTemplate(
        kind="instruction",
        title="林建国县长对{town}污水处理厂建设进度的批示",
        issuer="xz",
        doc_no="云政阅〔{year}〕{n}号",
        text=(
            "{town}污水处理厂建设进度滞后，请县住建局牵头，会同县生态环境分局、县发改局"
            "研究提出加快推进的具体措施，一周内报县政府。"
        ),
        urgency="urgent",
        tasks=(
            TaskTemplate(
                content="研究提出加快{town}污水处理厂建设的具体措施并报县政府",
                lead=("zjj",),
                co=("sthj", "fgj"),
                requirement="措施具体、责任到人、时间节点明确",
                due={"workdays": 5},
            ),
        ),
    ),
    DirectiveTemplate(
        kind="superior",
        title="关于做好{year}年度安全生产大检查工作的通知（市安委办转办）",
        issuer="市安委会办公室",
        doc_no="市安办〔{year}〕{n}号",
        text=(
            "各地要立即组织开展安全生产大检查，重点检查危化品、建筑施工、道路交通、"
            "消防等领域，建立问题隐患和整改责任清单，每周五前报送检查进展。"
        ),
        urgency="urgent",
        tasks=(
            TaskTemplate(
                content="组织开展全县安全生产大检查，建立问题隐患和整改责任清单",
                lead=("yjj",),
                co=("zjj", "jtj", "xfdd", "scjgj"),
                requirement="隐患清单逐项明确整改责任人和时限",
                due={"days": 30},
                cycle="weekly",
                cycle_day=5,
                is_key=True,
            ),
            TaskTemplate(
                content="开展道路交通安全隐患排查整治",
                lead=("gaj",),
                co=("jtj",),
                due={"days": 30},
                cycle="weekly",
                cycle_day=5,
            ),
        ),
    ),
    DirectiveTemplate(
        kind="proposal",
        title="县人大代表第{n}号建议：关于改善{town}农村饮水安全的建议",
        issuer="县人大常委会代表工作室",
        doc_no="云人建〔{year}〕{n}号",
        text="建议加快{town}农村饮水安全巩固提升工程建设，解决部分村组季节性缺水问题。",
        tasks=(
            TaskTemplate(
                content="办理关于改善{town}农村饮水安全的建议并答复代表",
                lead=("slj",),
                co=("swgs", "czj"),
                requirement="与代表当面沟通，答复意见经分管县领导审签",
                due={"months": 3},
            ),
        ),
    ),
    DirectiveTemplate(
        kind="key_work",
        title="{year}年县政府工作报告重点任务分解（第{n}批）",
        issuer="县政府",
        doc_no="云政办发〔{year}〕{n}号",
        text=(
            "一、实施高标准农田建设。新建高标准农田2万亩，年底前完成。\n"
            "二、推进经开区标准化厂房建设。完成标准化厂房10万平方米，按季度报送进展。\n"
            "三、实施义务教育学校改扩建。完成{town}中心小学改扩建工程。"
        ),
        tasks=(
            TaskTemplate(
                content="新建高标准农田2万亩",
                lead=("nyj",),
                co=("czj", "zrzyj"),
                requirement="通过市级验收",
                due={"days": 240},
                cycle="quarterly",
                is_key=True,
            ),
            TaskTemplate(
                content="完成经开区标准化厂房10万平方米",
                lead=("jkq",),
                co=("zjj",),
                due={"days": 200},
                cycle="quarterly",
                is_key=True,
            ),
            TaskTemplate(
                content="完成{town}中心小学改扩建工程",
                lead=("jyj",),
                co=("zjj", "czj"),
                due={"days": 180},
                cycle="monthly",
                cycle_day=10,
            ),
        ),
    ),
    DirectiveTemplate(
        kind="rectification",
        title="市委巡察反馈问题整改（第{n}项）",
        issuer="县委巡察整改办",
        doc_no="云巡改〔{year}〕{n}号",
        text="巡察发现部分惠民惠农补贴资金发放不及时，请相关单位限期整改并报送整改情况。",
        tasks=(
            TaskTemplate(
                content="整改惠民惠农补贴资金发放不及时问题",
                lead=("czj",),
                co=("nyj", "mzj"),
                requirement="建立台账，逐项销号，整改情况报县纪委监委备案",
                due={"days": 30},
                cycle="weekly",
                cycle_day=5,
                is_key=True,
            ),
        ),
    ),
    DirectiveTemplate(
        kind="instruction",
        title="周文涛常务副县长对群众反映{town}集贸市场占道经营问题的批示",
        issuer="cw",
        doc_no="云政阅〔{year}〕{n}号",
        text="请县城管局会同{town}人民政府立即核查处理，3个工作日内报结果。",
        urgency="extra",
        tasks=(
            TaskTemplate(
                content="核查处理{town}集贸市场占道经营问题",
                lead=("cgj",),
                co=("TOWN",),
                requirement="核查属实的立即整改，并回访群众",
                due={"workdays": 3},
            ),
        ),
    ),
    DirectiveTemplate(
        kind="meeting",
        title="全县森林防火工作会议议定事项",
        issuer="县森林防火指挥部",
        doc_no="云林防〔{year}〕{n}号",
        text=(
            "各乡镇人民政府要落实森林防火网格化管理责任，县林业局负责督促检查，"
            "每月底前报送工作情况。"
        ),
        tasks=(
            TaskTemplate(
                content="落实森林防火网格化管理责任，开展督促检查",
                lead=("lyj",),
                co=("yjj", "xfdd"),
                due={"days": 90},
                cycle="monthly",
                cycle_day=28,
            ),
            TaskTemplate(
                content="落实{town}森林防火网格化管理责任",
                lead=("TOWN",),
                co=("lyj",),
                due={"days": 60},
                cycle="monthly",
                cycle_day=28,
            ),
        ),
    ),
    DirectiveTemplate(
        kind="superior",
        title="市政府办公室关于优化营商环境有关事项的督办函",
        issuer="市政府办公室",
        doc_no="市政办督函〔{year}〕{n}号",
        text="请县行政审批服务局牵头，县市场监管局配合，压缩企业开办时间至1个工作日内。",
        tasks=(
            TaskTemplate(
                content="压缩企业开办时间至1个工作日内",
                lead=("spj",),
                co=("scjgj", "shuiwu"),
                requirement="出台操作规程并报市政府办公室",
                due={"days": 30},
            ),
        ),
    ),
    DirectiveTemplate(
        kind="other",
        title="关于报送{year}年度防汛应急预案修订情况的通知",
        issuer="县防汛抗旱指挥部",
        doc_no="云汛〔{year}〕{n}号",
        text="请县水利局牵头修订防汛应急预案，县应急管理局配合，按期报县防指。",
        tasks=(
            TaskTemplate(
                content="修订{year}年度防汛应急预案",
                lead=("slj",),
                co=("yjj",),
                requirement="经县防指审定后印发",
                due={},
            ),
        ),
    ),
    DirectiveTemplate(
        kind="instruction",
        title="陈晓梅副县长对{town}卫生院医疗设备配置问题的批示",
        issuer="fxz_kjw",
        doc_no="云政阅〔{year}〕{n}号",
        text="请县卫健局研究解决，县财政局给予支持，并将结果报我。",
        tasks=(
            TaskTemplate(
                content="研究解决{town}卫生院医疗设备配置问题",
                lead=("wjj",),
                co=("czj",),
                requirement="提出配置方案和资金安排",
                due={},
            ),
        ),
    ),
    DirectiveTemplate(
        kind="key_work",
        title="招商引资重点项目推进（{town}第{n}号项目）",
        issuer="县招商引资领导小组",
        doc_no="云招〔{year}〕{n}号",
        text="请县招商服务中心牵头，{town}人民政府配合，推进项目签约落地，每周报送进展。",
        tasks=(
            TaskTemplate(
                content="推进{town}招商引资项目签约落地",
                lead=("tczx",),
                co=("TOWN", "zrzyj"),
                due={"days": 75},
                cycle="weekly",
                cycle_day=5,
                is_key=True,
            ),
        ),
    ),
)
