"""Time `duban extract` on a large text: by default 1 MB of minutes, plans and notices.

usage: .venv/bin/python bench/bench_extract.py [--mb 1.0] [--runs 3] [--registry N] [--cli]

The text is built from templates in the offices' style with varied units, numbers and
dates (fixed seed), so every paragraph is different. `--registry N` also passes N known
unit names, as `duban extract` does with a county's registry. Prints the size, the number
of tasks, and the time of each run and the median; the target is under 2 s for 1 MB.
`--cli` also times the whole command (`duban extract FILE --json`, start-up, file reading,
registry lookup and JSON included) on the same text written to a temporary file.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from duban.extract.tasks import extract
from duban.workdays.calendar import WorkCalendar

UNITS = [
    "县发展和改革局",
    "县财政局",
    "县自然资源局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水利局",
    "县农业农村局",
    "县卫生健康局",
    "县教育体育局",
    "县应急管理局",
    "县市场监督管理局",
    "县生态环境分局",
    "县人力资源和社会保障局",
    "县文化旅游广电局",
    "县行政审批服务局",
    "县公安局",
    "县民政局",
    "县审计局",
    "县统计局",
    "县林业局",
]
TOWNS = ["城关镇", "新华乡", "青山镇", "石门乡", "柳溪镇", "白沙镇", "龙泉乡", "高桥镇"]
WORK = [
    "老旧小区改造",
    "农村饮水安全",
    "森林防火",
    "高标准农田建设",
    "安全生产大排查",
    "营商环境优化",
    "重点项目建设",
    "河道清淤",
    "校园安全",
    "食品安全专项整治",
]
DUE = ["{m}月底前", "{m}月中旬", "年底前", "三季度末", "5个工作日内", "一周内", "{m}月{d}日前"]

TEMPLATES = [
    "会议要求，由{u1}牵头，{u2}、{u3}配合，于{due}完成{w}工作方案。{u2}要统筹落实配套资金，每月{d}日前报送进展。",
    "会议强调，{u1}要会同{u2}，对全县{w}情况开展一次全面排查，{due}形成报告报县政府。要建立问题清单，实行销号管理。",
    "请{u1}牵头，会同{u2}研究提出{w}意见，{due}报县政府。",
    "（{n}）推进{w}，完成年度目标任务。（牵头单位：{u1}；配合单位：{u2}、{t}；完成时限：{due}）",
    "{t}要落实属地责任，即日起每周五报送{w}进度。县政府督查室将适时开展督查，对工作不力的单位予以通报。",
    "截至{m}月底，全县{w}完成投资{n}亿元，{u1}、{t}进展较快，{u3}进展滞后。",
    "一、加强{w}\n责任单位：{u1}、{u2}\n1.建立{w}工作台账，实行动态管理。\n2.{due}完成{w}验收。",
]


def build(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        u1, u2, u3 = rng.sample(UNITS, 3)
        m, d = rng.randint(1, 12), rng.randint(1, 28)
        due = rng.choice(DUE).format(m=m, d=d)
        piece = rng.choice(TEMPLATES).format(
            u1=u1,
            u2=u2,
            u3=u3,
            t=rng.choice(TOWNS),
            w=rng.choice(WORK),
            due=due,
            m=m,
            d=d,
            n=rng.randint(1, 60),
        )
        parts.append(piece)
        total += len(piece.encode("utf-8")) + 1
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--registry", type=int, default=300, help="known names passed in")
    ap.add_argument("--cli", action="store_true", help="also time `duban extract` end to end")
    args = ap.parse_args(argv)
    text = build(int(args.mb * 1024 * 1024))
    known = (UNITS + TOWNS + [f"县第{i}中心" for i in range(1000)])[: args.registry]
    calendar = WorkCalendar()
    size = len(text.encode("utf-8"))
    print(f"text: {size:,} bytes, {len(text):,} characters, {text.count(chr(10)) + 1:,} lines")
    print(f"known names: {len(known)}")
    times = []
    count = 0
    for run in range(args.runs):
        # Wall and CPU time: on a shared machine the wall clock includes waiting for a core.
        started, cpu = time.perf_counter(), time.process_time()
        tasks = extract(text, base=date(2026, 3, 16), calendar=calendar, known_names=known)
        times.append(time.perf_counter() - started)
        count = len(tasks)
        print(
            f"run {run + 1}: {times[-1]:.2f} s wall, {time.process_time() - cpu:.2f} s CPU, "
            f"{count:,} tasks"
        )
    median = statistics.median(times)
    mb = size / 1024 / 1024
    print(f"median {median:.2f} s for {mb:.2f} MB ({mb / median:.2f} MB/s)")
    if args.cli:
        duban = Path(sys.executable).with_name("duban")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.txt"
            path.write_text(text, encoding="utf-8")
            env = {**os.environ, "DUBAN_DATA": os.environ.get("DUBAN_DATA", tmp)}
            started = time.perf_counter()
            done = subprocess.run(
                [str(duban), "extract", str(path), "--date", "2026-03-16", "--json"],
                capture_output=True,
                env=env,
                check=False,
            )
            took = time.perf_counter() - started
        print(
            f"duban extract --json: {took:.2f} s end to end, exit {done.returncode}, "
            f"{len(done.stdout):,} bytes of JSON"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
