"""duban spotcheck — draw a random spot-check sample again, to check it was not hand-picked.

    duban spotcheck draw --seed 20260401 --size 10 --closed-from 2026-01-01 \\
        --closed-to 2026-03-31 --unit fgj --unit czj --kind instruction --key yes \\
        --stratify --json
    duban spotcheck verify 3

`draw` writes nothing: it prints the population and the sample the given seed gives (the
algorithm is in supervise/sampling.py). `verify ID` draws a recorded spot check again from
the population and seed in its draw event, and compares with the sample on record; it also
says whether today's population for the same filters is still the one drawn from.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.org.models import Unit
from duban.supervise import sampling
from duban.supervise.models import SpotCheck
from duban.supervise.spotchecks import Filters, population, verify
from duban.work.models import DirectiveKind, Task


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"日期格式无效：{raw}（应为 2026-01-31）") from None


def _task_rows(ids: list[int]) -> list[dict[str, Any]]:
    tasks = Task.objects.select_related("directive", "lead_unit").in_bulk(ids)
    rows = []
    for i in ids:
        task = tasks[i]
        unit = task.lead_unit
        rows.append(
            {
                "id": i,
                "code": task.code,
                "unit": unit.code if unit else None,
                "content": task.content[:60],
            }
        )
    return rows


class Command(BaseCommand):
    help = "Re-draw a random spot-check sample (seeded, reproducible) or verify a recorded one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        draw = sub.add_parser("draw", help="print the sample SEED gives; writes nothing")
        draw.add_argument("--seed", type=int, required=True)
        size = draw.add_mutually_exclusive_group(required=True)
        size.add_argument("--size", type=int, help="number of tasks")
        size.add_argument("--rate", help="percent of the population, rounded up")
        draw.add_argument("--closed-from", help="closed on or after this date")
        draw.add_argument("--closed-to", help="closed on or before this date")
        draw.add_argument("--unit", action="append", default=[], help="lead unit code")
        draw.add_argument(
            "--kind", action="append", default=[], choices=DirectiveKind.values, help="source"
        )
        draw.add_argument("--key", choices=["yes", "no"], help="key tasks only, or none")
        draw.add_argument("--stratify", action="store_true", help="strata by lead unit")
        draw.add_argument("--json", action="store_true")
        verify = sub.add_parser("verify", help="draw a recorded spot check again and compare")
        verify.add_argument("id", type=int)
        verify.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "draw":
            self._draw(options)
        else:
            self._verify(options["id"], as_json=options["json"])

    def _draw(self, o: dict[str, Any]) -> None:
        codes = o["unit"]
        units = dict(Unit.objects.filter(code__in=codes).values_list("code", "id"))
        unknown = [c for c in codes if c not in units]
        if unknown:
            raise CommandError(f"单位代码不存在：{'、'.join(unknown)}")
        filters = Filters(
            closed_from=_date(o["closed_from"]),
            closed_to=_date(o["closed_to"]),
            units=tuple(units[c] for c in codes),
            kinds=tuple(o["kind"]),
            is_key=None if o["key"] is None else o["key"] == "yes",
        )
        members = population(filters)
        try:
            rate = Decimal(o["rate"]) if o["rate"] is not None else None
            n = sampling.sample_size(len(members), size=o["size"], rate=rate)
        except (ValueError, InvalidOperation) as e:
            raise CommandError(f"样本量或比例无效：{e}") from None
        sample = sampling.draw(members, seed=o["seed"], n=n, stratify=o["stratify"])
        ids = [m.task_id for m in members]
        result = {
            "seed": o["seed"],
            "size": n,
            "rate": o["rate"],
            "stratify": o["stratify"],
            "filters": {**filters.as_json(), "units": sorted(codes)},
            "population": len(ids),
            "population_digest": sampling.population_digest(ids),
            "population_ids": ids,
            "sample": _task_rows(sample),
        }
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"总体 {len(ids)} 项（摘要 {result['population_digest'][:16]}…），"
            f"种子 {o['seed']}，抽取 {n} 项："
        )
        for row in result["sample"]:
            self.stdout.write(f"  {row['code']} {row['unit'] or '—'} {row['content']}")

    def _verify(self, pk: int, *, as_json: bool) -> None:
        check = SpotCheck.objects.filter(pk=pk).first()
        if check is None:
            raise CommandError(f"随机抽查 {pk} 不存在。")
        v = verify(check)
        result = {
            "id": check.pk,
            "seed": v.seed,
            "digest_ok": v.digest_ok,
            "sample_ok": v.sample_ok,
            "population_unchanged": v.population_unchanged,
            "sample": _task_rows(v.sample),
        }
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"随机抽查“{check.title}”：种子 {v.seed}，总体 {v.population} 项，"
                f"样本 {len(v.sample)} 项。"
            )
            self.stdout.write(
                "重新抽取结果与记录一致。" if result["sample_ok"] else "重新抽取结果与记录不一致！"
            )
            if not result["population_unchanged"]:
                self.stdout.write("注意：按同样条件，现在的总体与抽取时不同（此后有事项办结）。")
        if not (result["digest_ok"] and result["sample_ok"]):
            raise CommandError("抽查记录校验未通过。 (spot check does not re-draw as recorded)")
