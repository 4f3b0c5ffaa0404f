"""Time `duban ledger import` of an N-row 台账.xlsx end to end (check + apply).

usage: .venv/bin/python bench/bench_import.py [--rows 10000] [--workdir bench/out/import]
                                              [--dry-run] [--verify] [--profile FILE]

A fresh database each run: SQLite in <workdir>/sqlite, or PostgreSQL with DATABASE_URL
(dropped and recreated). The demo county's org file is loaded (units, aliases, leaders,
liaisons), then a ledger is generated as offices keep them: 序号, 事项来源, 来文文号 shared by
a few rows (one directive), 交办日期 over the year, 事项内容, 牵头领导, 牵头单位 (full name,
short name or alias), 配合单位 for a third of the rows, 完成时限 as a date or a phrase
(30个工作日, 6月底前, 长期坚持), 办理状态 mixed (待签收, 办理中 with its 最新进展, 待审核,
已办结 with its 办结日期, a few 已撤销), 备注, and a section row (一、…) every 40 rows.

The import runs as the CLI runs it, in a child process (`duban ledger import FILE --by
duchashi`); wall time, the child's CPU seconds (user + system; the PostgreSQL server's own
CPU is not in it) and its peak RSS are printed. `--verify` then runs `duban audit verify`.
`--profile FILE` runs the child under cProfile (slower) and writes the stats to FILE.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DUBAN = REPO / ".venv" / "bin" / "duban"
PYTHON = REPO / ".venv" / "bin" / "python"

SECTIONS = ["城乡建设", "产业发展", "民生保障", "生态环保", "安全稳定", "营商环境", "乡村振兴"]
KINDS = ["县政府常务会议", "领导批示件", "上级交办", "重点项目", "民生实事", "督查整改", "人大建议"]
KIND_DOC = {
    "县政府常务会议": "云政常纪〔2026〕{}号",
    "领导批示件": "云政阅〔2026〕{}号",
    "上级交办": "市督字〔2026〕{}号",
    "重点项目": "云重项〔2026〕{}号",
    "民生实事": "云民实〔2026〕{}号",
    "督查整改": "云督改〔2026〕{}号",
    "人大建议": "云人建〔2026〕{}号",
}
VERBS = ["推进", "完成", "落实", "开展", "做好", "加快", "组织实施", "督促整改"]
THINGS = [
    "老旧小区改造", "农村公路提档升级", "污水管网建设", "高标准农田建设", "校园安全排查",
    "营商环境评价整改", "安全生产大检查", "河道清淤", "森林防火巡查", "养老服务中心建设",
    "12345热线工单办理", "招商引资项目落地", "集贸市场改造", "农村饮水安全巩固",
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--workdir", type=Path, default=REPO / "bench" / "out" / "import")
    ap.add_argument("--dry-run", action="store_true", help="time the check only")
    ap.add_argument("--verify", action="store_true", help="run `duban audit verify` after")
    ap.add_argument("--profile", type=Path, help="run the import under cProfile, stats here")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / "sqlite"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ["DUBAN_DATA"] = str(data)
    url = os.environ.get("DATABASE_URL", "").strip()
    sys.path.insert(0, str(REPO))
    if url:
        from bench.load_workload import prepare_postgres

        prepare_postgres(url, reset=True)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from duban.demo.build import COUNTY_FILE
    from duban.org.loader import load_file

    call_command("migrate", verbosity=0)
    load_file(COUNTY_FILE, password=None)
    where = f"{connection.vendor} {connection.settings_dict['NAME']}"
    ledger = workdir / f"台账-{args.rows}.xlsx"
    started = time.perf_counter()
    write_ledger(ledger, args.rows, random.Random(args.seed))
    print(f"{ledger.name}: {args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
    connection.close()

    cmd = [str(DUBAN), "ledger", "import", str(ledger), "--by", "duchashi"]
    if args.dry_run:
        cmd.append("--dry-run")
    if args.profile:
        cmd = [str(PYTHON), "-m", "cProfile", "-o", str(args.profile), *cmd]
    print(f"importing into {where}: {' '.join(cmd[-5:])}", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=os.environ, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tail = done.stdout.strip().splitlines()[-1:] + done.stderr.strip().splitlines()[-3:]
    for line in tail:
        print(f"  | {line}")
    if done.returncode != 0:
        print(f"FAILED: exit {done.returncode}")
        print(done.stdout[-3000:])
        return 1
    print(
        f"{'dry run' if args.dry_run else 'import'} of {args.rows:,} rows on {connection.vendor}: "
        f"wall {wall:.1f} s, CPU {cpu:.1f} s, {args.rows / wall:,.0f} rows/s, "
        f"peak RSS {after.ru_maxrss / 1024:.0f} MB"
    )
    if args.verify:
        started = time.perf_counter()
        check = subprocess.run(
            [str(DUBAN), "audit", "verify"], env=os.environ, capture_output=True, text=True
        )
        lines = (check.stdout + check.stderr).strip().splitlines()
        print(f"audit verify ({time.perf_counter() - started:.1f} s): {' / '.join(lines[-2:])}")
        if check.returncode != 0:
            return 1
    return 0


def write_ledger(path: Path, rows: int, rnd: random.Random) -> None:
    """An office's ledger of `rows` tasks (plus section rows), units from the loaded county."""
    from openpyxl import Workbook

    from duban.org.models import UNIT_ROLES, Leader, Unit, User

    staffed = set(
        User.objects.filter(role__in=UNIT_ROLES, is_active=True).values_list("unit_id", flat=True)
    )
    active = Unit.objects.filter(is_active=True, pk__in=staffed)
    units = list(active.prefetch_related("aliases").order_by("code"))
    leaders = list(Leader.objects.order_by("code"))
    from django.utils import timezone

    today = timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("督办台账")
    ws.append([f"云溪县政府督查室重点工作督办台账（截至{today:%Y年%m月%d日}）"])
    ws.append(["序号", "事项来源", "来文文号", "交办日期", "事项内容", "牵头领导", "牵头单位",
               "配合单位", "完成时限", "办理状态", "最新进展", "办结日期", "备注"])  # fmt: skip
    doc_serial = 0
    doc_left = 0
    kind = KINDS[0]
    doc_no = ""
    assigned = today
    section = 0
    for i in range(1, rows + 1):
        if (i - 1) % 40 == 0:
            section += 1
            ws.append([f"{_cn((section - 1) % 20 + 1)}、{SECTIONS[section % len(SECTIONS)]}"])
        if doc_left == 0:  # a new 来文: 1 to 8 rows share its 文号 and 交办日期
            doc_left = rnd.randint(1, 8)
            doc_serial += 1
            kind = rnd.choice(KINDS)
            doc_no = KIND_DOC[kind].format(doc_serial)
            assigned = today - timedelta(days=rnd.randint(20, 320))
        doc_left -= 1
        lead = rnd.choice(units)
        aliases = [a.alias for a in lead.aliases.all()][:1]
        name = rnd.choice([lead.name, lead.short_name or lead.name, *aliases])
        co = ""
        if rnd.random() < 0.33:
            others = rnd.sample([u for u in units if u.pk != lead.pk], rnd.randint(1, 3))
            co = "、".join(u.short_name or u.name for u in others)
        roll = rnd.random()
        if roll < 0.6:
            due: object = assigned + timedelta(days=rnd.randint(30, 400))
        elif roll < 0.8:
            due = f"{rnd.choice([20, 30, 45, 60])}个工作日"
        elif roll < 0.95:
            due = "年底前"
        else:
            due = "长期坚持"
        roll = rnd.random()
        latest = closed = remark = ""
        if roll < 0.30:
            status = "待签收"
        elif roll < 0.65:
            status, latest = "办理中", f"已完成第{rnd.randint(1, 5)}阶段工作，正在推进"
        elif roll < 0.75:
            status, latest = "待审核", "已完成，报送办结材料"
        elif roll < 0.97:
            status, latest = "已办结", "已按要求完成"
            closed = min(today, assigned + timedelta(days=rnd.randint(5, 200))).isoformat()
        else:
            status, remark = "已撤销", "撤销原因：政策调整，不再实施"
        if rnd.random() < 0.1:
            remark = "；".join(x for x in (remark, "重点督办") if x)
        leader = rnd.choice(leaders)
        thing = f"{rnd.choice(VERBS)}{rnd.choice(THINGS)}（第{i}项）"
        ws.append([i, kind, doc_no, assigned, thing, leader.name, name, co, due, status,
                   latest, closed, remark])  # fmt: skip
    wb.save(path)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


if __name__ == "__main__":
    sys.exit(main())
