"""Trigram indexes for the ledger's text search, on PostgreSQL only.

The ledger's search is a substring match (`icontains`, i.e. UPPER(col) LIKE UPPER('%…%'))
on task content and progress reports. Without an index PostgreSQL reads every task
(150 ms at 100,000 tasks, bench/bench_web.py); a GIN trigram index on the same UPPER()
expression answers it in a few milliseconds, Chinese included (pg_trgm hashes multibyte
characters into its trigrams). SQLite has no such index and needs nothing here.

Built CONCURRENTLY (so the migration is not atomic): writes to the tables go on while the
index builds on a large prefecture database.
"""

from django.db import migrations

INDEXES = [
    ("web_task_content_trgm", "work_task", "content"),
    ("web_report_text_trgm", "work_progressreport", "text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON {table} USING gin (upper({column}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    # The extension stays: other databases objects may have come to use it since.


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("web", "0001_initial"),
        ("work", "0004_commented_event"),
    ]

    operations = [migrations.RunPython(create, drop)]
