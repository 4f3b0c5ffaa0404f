"""The four event types the office starts with (issue 19) and their plan templates.

(section, logistics kind, what, unit kind, working days before the event). Offices change
them in the admin; the seed migration writes them once.
"""

from __future__ import annotations

PrepRow = tuple[str, str, str, str, int]

TYPES: list[dict[str, object]] = [
    {
        "code": "research",
        "name": "领导调研",
        "purpose": "深入了解基层工作推进情况，现场协调解决存在的困难和问题。",
        "weather": "遇雨雪天气，室外点位改为室内听取汇报，路线相应压缩。",
        "prep": [
            ("materials", "", "调研点位汇报材料", "township", 3),
            ("materials", "", "展板和解说词", "township", 3),
            ("sites", "", "点位现场准备与路线踏勘", "township", 2),
            ("logistics", "vehicles", "调研用车安排", "section", 1),
            ("logistics", "security", "沿途交通和现场安保", "department", 1),
        ],
    },
    {
        "code": "inspection",
        "name": "工作督查",
        "purpose": "对重点工作落实情况进行实地督查，查找问题，推动整改。",
        "weather": "遇恶劣天气，实地查看改为查阅资料和座谈。",
        "prep": [
            ("materials", "", "督查事项自查报告", "department", 3),
            ("materials", "", "台账资料备查", "department", 2),
            ("logistics", "venue", "座谈会场布置", "section", 1),
            ("logistics", "vehicles", "督查用车安排", "section", 1),
        ],
    },
    {
        "code": "investor",
        "name": "客商考察",
        "purpose": "向来访客商推介投资环境和重点项目，促成合作意向。",
        "weather": "遇雨天，项目地块改为在展厅观看影像资料。",
        "prep": [
            ("materials", "", "招商推介材料和项目册", "department", 3),
            ("materials", "", "解说词", "department", 2),
            ("logistics", "venue", "座谈会场布置", "section", 2),
            ("logistics", "meals", "工作餐安排", "section", 1),
            ("logistics", "vehicles", "接送车辆安排", "section", 1),
        ],
    },
    {
        "code": "groundbreaking",
        "name": "项目集中开工",
        "purpose": "举行重点项目集中开工活动，营造抓项目、促发展的浓厚氛围。",
        "weather": "遇雨天，主会场搭建雨棚，仪式程序压缩至20分钟。",
        "prep": [
            ("materials", "", "开工项目简介和展板", "department", 5),
            ("materials", "", "主持词和领导讲话稿", "section", 3),
            ("sites", "", "主会场搭建和场地平整", "township", 3),
            ("logistics", "security", "现场安保和交通疏导", "department", 2),
            ("logistics", "weather", "雨天预案物资（雨棚、雨具）", "township", 2),
            ("logistics", "vehicles", "参会人员车辆调度", "section", 1),
        ],
    },
]
