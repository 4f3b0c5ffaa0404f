"""`duban backup --out DIR` and `duban restore DIR` (issue 17 points 6 and 16).

A backup folder holds:
- the database: SQLite through its online backup API (a consistent copy while the server
  writes), or PostgreSQL through `pg_dump -Fc` of the server's major version;
- the uploaded files (attachments, issued documents) as they are on disk;
- manifest.json: each file's size and SM3, each table's row count, the migrations applied.

Never `dumpdata`/`loaddata`: they cut timestamps to milliseconds and so break every hash
chain that covers a timestamp (117 chains in the issue's test).

The keys (chain_key, field_key, secret_key) are NOT in the backup: keep them apart (a key
beside the data lets whoever holds both rewrite a chain). Restore needs them in the new
data folder, or in the environment, before `duban restore`.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
SQLITE_FILE = "duban.sqlite3"
PG_FILE = "duban.pgdump"
FILES_DIR = "uploads"


class BackupError(RuntimeError):
    """A Chinese message for the operator; the English cause follows in brackets."""


def _file_sm3(path: Path) -> str:
    from duban.crypto import SM3, file_digest

    with path.open("rb") as f:
        return file_digest(iter(lambda: f.read(1 << 20), b""), SM3)


def _row_counts() -> dict[str, int]:
    tables = sorted(
        {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
        & set(connection.introspection.table_names())
    )
    counts = {}
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cur.fetchone()[0])
    return counts


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's major version (an older client refuses a newer
    server); DUBAN_PG_BIN names the folder when it is elsewhere."""
    major = connection.pg_version // 10000  # type: ignore[attr-defined]
    for folder in (os.environ.get("DUBAN_PG_BIN", ""), f"/usr/lib/postgresql/{major}/bin"):
        if folder and (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}，请安装 PostgreSQL {major} 客户端或设置 DUBAN_PG_BIN。")
    return found


def _pg_env_args() -> tuple[dict[str, str], list[str]]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, [*args, "-d", str(db["NAME"])]


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} 执行失败。 ({done.stderr.strip()[:500]})")


@dataclass
class Manifest:
    made_at: str
    vendor: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    migrations: dict[str, str] = field(default_factory=dict)


def _migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > last.get(app, ""):
            last[app] = name
    return dict(sorted(last.items()))


def backup(out: Path, *, now: datetime) -> Manifest:
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空的，请指定新的目录。 (output folder not empty)")
    manifest = Manifest(made_at=now.isoformat(), vendor=connection.vendor)
    # Counts first, then the copy: rows written in between make the copy larger than the
    # counts, never smaller, and restore checks ">=" per table against them.
    manifest.tables = _row_counts()
    manifest.migrations = _migrations()
    if connection.vendor == "sqlite":
        target = out / SQLITE_FILE
        source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        dest = sqlite3.connect(str(target))
        try:
            with dest:
                source.backup(dest)  # the online backup API: consistent while others write
            ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
            source.close()
        if ok != "ok":
            raise BackupError(f"备份文件完整性检查未通过。 (integrity_check: {ok})")
    else:
        env, args = _pg_env_args()
        _run([_pg_tool("pg_dump"), "-Fc", "--no-owner", "-f", str(out / PG_FILE), *args], env)
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.copytree(media, out / FILES_DIR)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        manifest.files[rel] = {"size": path.stat().st_size, "sm3": _file_sm3(path)}
    (out / MANIFEST).write_text(
        json.dumps(manifest.__dict__, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return manifest


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} 中没有 {MANIFEST}，不是 duban backup 生成的备份。")
    manifest = Manifest(**json.loads(path.read_text(encoding="utf-8")))
    for rel, info in manifest.files.items():
        f = folder / rel
        if not f.exists():
            raise BackupError(f"备份缺少文件 {rel}。 (missing {rel})")
        if f.stat().st_size != info["size"] or _file_sm3(f) != info["sm3"]:
            raise BackupError(f"备份文件 {rel} 与清单中的校验值不一致，已损坏或被改动。")
    return manifest


def _database_is_empty() -> bool:
    """No tables at all: `migrate` seeds settings rows that the backup's copies would
    collide with, so restore wants a database nothing has run in (not even migrate)."""
    return not connection.introspection.table_names()


def restore(folder: Path) -> Manifest:
    manifest = read_manifest(folder)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"这是 {manifest.vendor} 数据库的备份，当前配置的是 {connection.vendor}。"
        )
    if not _database_is_empty():
        raise BackupError(
            "目标数据库不是空的，未恢复。请指向一个新建的空数据库（不要先运行 migrate）。"
            " (target database has tables)"
        )
    if connection.vendor == "sqlite":
        target = Path(str(settings.DATABASES["default"]["NAME"]))
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        source = sqlite3.connect(str(folder / SQLITE_FILE))
        dest = sqlite3.connect(str(target))
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
    else:
        env, args = _pg_env_args()
        connection.close()
        _run(
            [_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", *args, str(folder / PG_FILE)],
            env,
        )
    if (folder / FILES_DIR).exists():
        shutil.copytree(folder / FILES_DIR, Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
    counts = _row_counts()
    short = [t for t, n in manifest.tables.items() if counts.get(t, 0) < n]
    if short:
        raise BackupError(f"恢复后以下表的行数少于备份清单：{', '.join(short)}。")
    return manifest
