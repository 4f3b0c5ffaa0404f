"""Seed the office's default deadlines (an office changes them in the admin).

Sources (../shared/reference/office-rules.md): urgent items 特急 3 / 加急 5 days
(31ppt 3300909); 领导批示 non-urgent 15 days (fymate 16834225); 会议纪要 议定事项 20 days
(same); 公文交办 30 days (same); 人大建议/政协提案 reply within 3 months (代表法 practice).
Urgent counts are working days so a Friday assignment is not due on Monday.
"""

from django.db import migrations

DEFAULTS = [
    # kind, urgency, amount, unit, source
    ("meeting", "extra", 3, "workdays", "特急件3个工作日"),
    ("meeting", "urgent", 5, "workdays", "加急件5个工作日"),
    ("meeting", "normal", 20, "days", "会议议定事项20日内办结"),
    ("instruction", "extra", 3, "workdays", "急件1-5日，特急取3个工作日"),
    ("instruction", "urgent", 5, "workdays", "急件1-5日，加急取5个工作日"),
    ("instruction", "normal", 15, "days", "领导批示非急件15日内办结"),
    ("superior", "extra", 3, "workdays", "特急件3个工作日"),
    ("superior", "urgent", 5, "workdays", "加急件5个工作日"),
    ("superior", "normal", 30, "days", "公文交办30日内办结"),
    ("proposal", "extra", 3, "months", "建议提案自交办之日起3个月内答复"),
    ("proposal", "urgent", 3, "months", "建议提案自交办之日起3个月内答复"),
    ("proposal", "normal", 3, "months", "建议提案自交办之日起3个月内答复"),
    ("key_work", "extra", 3, "workdays", "特急件3个工作日"),
    ("key_work", "urgent", 5, "workdays", "加急件5个工作日"),
    ("key_work", "normal", 30, "days", "默认30日"),
    ("rectification", "extra", 3, "workdays", "特急件3个工作日"),
    ("rectification", "urgent", 5, "workdays", "加急件5个工作日"),
    ("rectification", "normal", 30, "days", "默认30日"),
    ("other", "extra", 3, "workdays", "特急件3个工作日"),
    ("other", "urgent", 5, "workdays", "加急件5个工作日"),
    ("other", "normal", 30, "days", "默认30日"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    DeadlineDefault = apps.get_model("work", "DeadlineDefault")
    for kind, urgency, amount, unit, source in DEFAULTS:
        DeadlineDefault.objects.update_or_create(
            kind=kind, urgency=urgency, defaults={"amount": amount, "unit": unit, "source": source}
        )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("work", "DeadlineDefault").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("work", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
