"""Seed the supervision settings with defaults an office changes in the admin.

Sources (../shared/reference/office-rules.md): the red-light ladder follows the common
"urge, then the unit head, then the leader in charge" practice, with key items escalating
sooner; 广元's "two yellows → a supervision letter and −1 point" is seeded as an example,
not enabled. Scoring follows 佳木斯 (+1 per item on time, −2 per late item, key items
double) and the issue's examples; every rule text is what units are shown.
"""

from decimal import Decimal

from django.db import migrations

LADDERS = [
    # name, active, note, steps: (order, name, colour name, colour, basis, n, key n, flags)
    (
        "红灯升级",
        True,
        "红灯持续：自动催办 → 告知单位负责人 → 报告县领导；重点督办事项提前升级。",
        [
            (1, "自动催办", "蓝", "#1d4ed8", "red", 3, 1, {"urge": True}),
            (
                2,
                "告知单位负责人",
                "橙",
                "#c2410c",
                "red",
                5,
                3,
                {"notify_units": False, "notify_unit_head": True},
            ),
            (
                3,
                "报告县领导",
                "红",
                "#b91c1c",
                "red",
                10,
                5,
                {"notify_units": False, "notify_leader": True, "notify_supervisors": True},
            ),
        ],
    ),
    (
        "黄灯累计（广元做法）",
        False,
        "示例：累计两次亮黄灯发督查函，并按考评细则扣1分。启用前请核对。",
        [(1, "督查函", "黄", "#a16207", "yellow_times", 2, None, {"notify_unit_head": True})],
    ),
]

RULES = [
    # order, name, kind, points, key weight, threshold, text, active
    (1, "按期办结", "on_time", "1", "2", 0, "事项按期办结销号的，每项加1分；重点督办事项加倍。", True),
    (
        2,
        "提前办结",
        "early",
        "0.5",
        "2",
        5,
        "比完成时限提前5个工作日以上报送办结并销号的，每项另加0.5分；重点督办事项加倍。",
        True,
    ),
    (
        3,
        "逾期未办结",
        "overdue",
        "-2",
        "2",
        0,
        "超过完成时限未报送办结（或逾期后才报送）的，每项扣2分；重点督办事项加倍。",
        True,
    ),
    (
        4,
        "未按期报送进展",
        "missing_report",
        "-1",
        "2",
        0,
        "未在规定时间报送阶段性进展的，每期扣1分（补报的照扣）；重点督办事项加倍。",
        True,
    ),
    (5, "退回重办", "sent_back", "-1", "2", 0, "办结报告经审核退回重办的，每次扣1分；重点督办事项加倍。", True),
    (
        6,
        "抽查核实不属实",
        "false_finding",
        "-3",
        "2",
        0,
        "随机抽查核实办结情况不属实的，每项扣3分，并重新办理；重点督办事项加倍。",
        True,
    ),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Config = apps.get_model("supervise", "SupervisionConfig")
    Ladder = apps.get_model("supervise", "Ladder")
    Step = apps.get_model("supervise", "LadderStep")
    Rule = apps.get_model("supervise", "ScoreRule")
    Config.objects.get_or_create(pk=1)
    letter = None
    for order, (name, active, note, steps) in enumerate(LADDERS):
        ladder, _ = Ladder.objects.get_or_create(
            name=name, defaults={"is_active": active, "note": note, "order": order}
        )
        for s_order, s_name, colour_name, colour, basis, n, key_n, flags in steps:
            step, _ = Step.objects.get_or_create(
                ladder=ladder,
                order=s_order,
                defaults={
                    "name": s_name,
                    "colour_name": colour_name,
                    "colour": colour,
                    "basis": basis,
                    "threshold": n,
                    "key_threshold": key_n,
                    **flags,
                },
            )
            if s_name == "督查函":
                letter = step
    for order, name, kind, points, weight, threshold, text, active in RULES:
        Rule.objects.get_or_create(
            name=name,
            defaults={
                "order": order,
                "kind": kind,
                "points": Decimal(points),
                "key_weight": Decimal(weight),
                "threshold": threshold,
                "text": text,
                "is_active": active,
            },
        )
    if letter is not None:
        Rule.objects.get_or_create(
            name="督查函",
            defaults={
                "order": 7,
                "kind": "escalated",
                "points": Decimal("-1"),
                "key_weight": Decimal(1),
                "step": letter,
                "text": "因累计两次亮黄灯收到督查函的，每次扣1分（广元做法，示例，未启用）。",
                "is_active": False,
            },
        )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("supervise", "ScoreRule").objects.all().delete()
    apps.get_model("supervise", "LadderStep").objects.all().delete()
    apps.get_model("supervise", "Ladder").objects.all().delete()
    apps.get_model("supervise", "SupervisionConfig").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("supervise", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
