"""`duban extract`: the JSON interface, .docx input, registry units and bad input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from docx import Document

from duban.extract.reader import MAX_BYTES, Problem
from tests.conftest import County

KEYS = [
    "text",
    "lead",
    "co",
    "deadline_raw",
    "deadline",
    "cycle_raw",
    "cycle",
    "lead_units",
    "co_units",
]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("extract", *args, stdout=out, stderr=err)
    except SystemExit as e:
        code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_json_has_exactly_the_public_shape(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "纪要.txt",
        "会议要求，县住建局要会同县财政局，于6月底前完成立项，每月5日前报送进展。",
    )
    code, out, _ = run(path, "--date", "2026-03-15", "--json")
    assert code == 0
    payload = json.loads(out)
    assert list(payload) == ["tasks"]
    (task,) = payload["tasks"]
    assert list(task) == KEYS
    assert task == {
        "text": "于6月底前完成立项，每月5日前报送进展。",
        "lead": ["县住建局"],
        "co": ["县财政局"],
        "deadline_raw": "6月底前",
        "deadline": "2026-06-30",
        "cycle_raw": "每月5日前",
        "cycle": "monthly:5",
        "lead_units": [None],  # the registry is empty
        "co_units": [None],
    }


def test_registry_units_aliases_and_groups(county: County, tmp_path: Path) -> None:
    text = (
        "请发改局牵头，县财政局、县交通运输局配合，于2026年6月底前完成方案。\n"
        "各乡镇人民政府要做好宣传发动。\n"
    )
    code, out, _ = run(write(tmp_path, "a.txt", text), "--date", "2026-03-15", "--json")
    assert code == 0
    first, second = json.loads(out)["tasks"]
    # An alias maps to the registry's full name; an unknown name stays, as null.
    assert first["lead_units"] == [["县发展和改革局"]]
    assert first["co"] == ["县财政局", "县交通运输局"]
    assert first["co_units"] == [["县财政局"], None]
    # A group is expanded into its members.
    assert second["lead_units"] == [["城关镇人民政府", "新华乡人民政府"]]


def test_the_human_listing_marks_names_the_registry_lacks(county: County, tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "请县发改局会同县文旅局于5个工作日内报送方案。")
    code, out, _ = run(path, "--date", "2026-09-28")
    assert code == 0
    assert "牵头：县发改局（县发展和改革局）" in out
    assert "配合：县文旅局（单位库中没有）" in out
    assert "时限：5个工作日内 → 2026-10-10" in out


@pytest.mark.django_db
def test_a_docx_with_paragraphs_and_a_table(tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("各乡镇人民政府，县直各部门：")
    doc.add_paragraph("请县水利局牵头，县农业农村局配合，于4月中旬前完成水毁工程修复。")
    table = doc.add_table(rows=2, cols=4)
    for cell, value in zip(
        table.rows[0].cells, ["序号", "工作任务", "责任单位", "完成时限"], strict=True
    ):
        cell.text = value
    for cell, value in zip(
        table.rows[1].cells,
        ["1", "完成河道清淤20公里", "县水利局、各乡镇", "2026年5月底前"],
        strict=True,
    ):
        cell.text = value
    path = tmp_path / "方案.docx"
    doc.save(str(path))
    code, out, _ = run(str(path), "--date", "2026-03-15", "--json")
    assert code == 0
    tasks = json.loads(out)["tasks"]
    assert [(t["text"], t["lead"], t["co"], t["deadline"]) for t in tasks] == [
        ("于4月中旬前完成水毁工程修复。", ["县水利局"], ["县农业农村局"], "2026-04-20"),
        ("完成河道清淤20公里", ["县水利局"], ["各乡镇"], "2026-05-31"),
    ]


@pytest.mark.django_db
def test_an_empty_date_means_unknown_unless_the_text_dates_itself(tmp_path: Path) -> None:
    body = "县财政局要于6月底前完成资金清理。"
    _, out, _ = run(write(tmp_path, "a.txt", body), "--date", "", "--json")
    task = json.loads(out)["tasks"][0]
    assert (task["deadline_raw"], task["deadline"]) == ("6月底前", None)
    signed = body + "\n云溪县人民政府办公室\n2025年3月2日\n"
    _, out, _ = run(write(tmp_path, "b.txt", signed), "--date", "", "--json")
    assert json.loads(out)["tasks"][0]["deadline"] == "2025-06-30"


def _corrupt_docx(tmp_path: Path) -> str:
    path = tmp_path / "坏.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    return str(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "problem", "words"),
    [
        (lambda p: str(p / "没有.txt"), Problem.NOT_FOUND, "找不到文件"),
        (lambda p: write(p, "空.txt", "  \n\n"), Problem.EMPTY, "空文件"),
        (lambda p: write(p, "图.pdf", "%PDF-1.4"), Problem.UNSUPPORTED, "不支持"),
        (lambda p: write(p, "伪.txt", "%PDF-1.4 \x00\x01"), Problem.UNSUPPORTED, "不是文本文件"),
        (_corrupt_docx, Problem.CORRUPT, "已损坏"),
        (lambda p: write(p, "文.docx", "这其实是文本"), Problem.CORRUPT, "不是有效的 .docx"),
        (
            lambda p: write(p, "通报.txt", "全县经济运行总体平稳。"),
            Problem.NO_TASKS,
            "没有识别出任务",
        ),
    ],
)
def test_bad_input_gives_a_message_and_its_own_exit_code(
    tmp_path: Path, make: Any, problem: Problem, words: str
) -> None:
    code, _, err = run(make(tmp_path), "--json")
    assert code == problem
    assert err.startswith("错误：") and words in err


@pytest.mark.django_db
def test_a_file_over_20_mb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "大.txt"
    with path.open("wb") as f:
        f.truncate(MAX_BYTES + 1)
    code, _, err = run(str(path))
    assert code == Problem.TOO_LARGE and "超过 20 MB" in err


@pytest.mark.django_db
def test_a_bad_date_argument(tmp_path: Path) -> None:
    code, _, err = run(write(tmp_path, "a.txt", "请县财政局办理。"), "--date", "2026-13-01")
    assert code == Problem.BAD_ARGUMENT and "日期格式无效" in err


def test_the_real_command_exits_with_the_code_and_no_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DUBAN_DATA": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "duban.cli", "extract", _corrupt_docx(tmp_path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == Problem.CORRUPT
    assert "Traceback" not in done.stderr and "已损坏" in done.stderr
    assert done.stdout == ""


@pytest.mark.django_db
def test_names_without_the_county_name_resolve(tmp_path: Path) -> None:
    from duban.org.models import Unit

    Unit.objects.create(
        code="zjj", name="云溪县住房和城乡建设局", short_name="县住建局", kind="department"
    )
    path = write(tmp_path, "a.txt", "请县住房和城乡建设局于2026年6月底前完成改造。")
    _, out, _ = run(path, "--date", "2026-03-15", "--json")
    assert json.loads(out)["tasks"][0]["lead_units"] == [["云溪县住房和城乡建设局"]]


@pytest.mark.django_db
def test_a_docx_that_would_unpack_to_hundreds_of_mb_is_refused(tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "纪要.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"0" * (201 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024  # small on disk
    code, _, err = run(str(bomb))
    assert code == Problem.TOO_LARGE and "解压后超过 200 MB" in err


def _docx_with_body(path: Path, paragraphs: int, text: str = "督办事项") -> None:
    """A real .docx (python-docx's template) whose body is `paragraphs` short paragraphs,
    written in streamed chunks so the test never holds the whole XML in memory."""
    import io
    import zipfile

    from docx import Document

    blank = io.BytesIO()
    Document().save(blank)
    para = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    with zipfile.ZipFile(blank) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                z.writestr(item, src.read(item))
                continue
            head, _, _ = src.read(item).decode().partition("<w:body>")
            with z.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(f"{head}<w:body>".encode())
                for _ in range(paragraphs // 10_000):
                    out.write(para * 10_000)
                out.write(para * (paragraphs % 10_000))
                out.write(b"</w:body></w:document>")


@pytest.mark.django_db
def test_a_docx_bomb_of_two_million_paragraphs_is_refused_quickly(tmp_path: Path) -> None:
    """The issue's file: under 1 MB on disk, ~190 MB of XML, 1.8 million paragraphs."""
    import time

    bomb = tmp_path / "纪要.docx"
    _docx_with_body(bomb, 1_800_000)
    assert bomb.stat().st_size < 1024 * 1024
    started = time.monotonic()
    code, _, err = run(str(bomb))
    print(f"refused in {time.monotonic() - started:.2f} s")
    assert code == Problem.TOO_LARGE
    assert "的正文解压后有" in err and "超过 32 MB 的上限" in err


@pytest.mark.django_db
def test_a_docx_of_too_many_paragraphs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "方案.docx"
    _docx_with_body(path, 25_000)
    code, _, err = run(str(path))
    assert code == Problem.TOO_LARGE and "超过 20000 段" in err


@pytest.mark.django_db
def test_a_text_of_millions_of_characters_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "长文.txt", "请县财政局于6月底前完成。\n" * 200_000)
    code, _, err = run(path)
    assert code == Problem.TOO_LARGE and "万字的上限" in err
