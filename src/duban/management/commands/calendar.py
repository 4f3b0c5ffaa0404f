"""duban calendar — the holiday calendar: show a year, enter the notice, confirm the year.

When the State Council publishes next year's holiday notice (usually in November), the
office enters its days off and adjusted working days, then confirms the year:

    duban calendar set 2027-01-01 holiday --note 元旦
    duban calendar set 2027-02-20 workday --note 春节调休上班
    duban calendar confirm 2027 --by duchashi

Confirming re-dates every open task whose deadline was provisional for that year.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.audit.models import AccessKind, AccessLog
from duban.org.models import User
from duban.work import actions
from duban.work.context import load_calendar
from duban.work.errors import ActionError
from duban.work.models import CalendarDay
from duban.workdays.calendar import library_holidays


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期格式无效：{raw}（应为 2027-01-01）") from None


class Command(BaseCommand):
    help = "Show and maintain the working-day calendar (holidays and adjusted workdays)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        show = sub.add_parser("show", help="what the calendar knows about YEAR")
        show.add_argument("year", type=int)
        set_ = sub.add_parser("set", help="mark DATE as a holiday or an adjusted workday")
        set_.add_argument("day")
        set_.add_argument("what", choices=["holiday", "workday"])
        set_.add_argument("--note", default="")
        unset = sub.add_parser("unset", help="remove the local override for DATE")
        unset.add_argument("day")
        confirm = sub.add_parser("confirm", help="YEAR's notice is entered in full")
        confirm.add_argument("year", type=int)
        confirm.add_argument("--by", required=True, help="username of the supervisor")
        confirm.add_argument("--note", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "show":
            self._show(options["year"])
        elif verb in ("set", "unset"):
            day = _date(options["day"])
            if verb == "set":
                CalendarDay.objects.update_or_create(
                    day=day,
                    defaults={"is_workday": options["what"] == "workday", "note": options["note"]},
                )
            else:
                CalendarDay.objects.filter(day=day).delete()
            AccessLog.objects.create(
                at=timezone.now(),
                kind=AccessKind.ADMIN,
                detail=f"calendar {verb} {day} {options.get('what') or ''}".strip(),
            )
            self.stdout.write(f"已{'设置' if verb == 'set' else '删除'} {day} 的节假日调整。")
        else:
            user = User.objects.filter(username=options["by"]).first()
            if user is None:
                raise CommandError(f"用户“{options['by']}”不存在。")
            try:
                redated = actions.confirm_calendar_year(
                    year=options["year"], by=user, note=options["note"]
                )
            except ActionError as e:
                raise CommandError(e.message) from None
            self.stdout.write(
                f"已确认{options['year']}年节假日安排，校正完成时限 {len(redated)} 项。"
            )
            for task in redated:
                self.stdout.write(f"  {task.code} {task.content[:30]} → {task.due}")

    def _show(self, year: int) -> None:
        calendar = load_calendar()
        try:
            library = library_holidays(year)
            self.stdout.write(f"{year}年：国务院节假日安排已内置。")
        except ValueError:
            library = {}
            state = (
                "已由本单位确认"
                if calendar.is_known_year(year)
                else ("尚未录入国务院节假日安排，按周一至周五计算的时限均为暂定")
            )
            self.stdout.write(f"{year}年：{state}。")
        overrides = CalendarDay.objects.filter(day__year=year)
        for day, is_workday in sorted(library.items()):
            self.stdout.write(f"  {day} {'调休上班' if is_workday else '放假'}（内置）")
        for row in overrides:
            self.stdout.write(
                f"  {row.day} {'调休上班' if row.is_workday else '放假'}（本地）{row.note}"
            )
