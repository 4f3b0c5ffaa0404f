"""The record of documents issued: what the annual figures count as "bulletins issued"."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DocumentKind(models.TextChoices):
    BULLETIN = "bulletin", "督查通报"
    REPORT_BACK = "report_back", "情况报告"


class IssuedDocument(models.Model):
    """A document generated with a 发文字号, i.e. issued as a 公文 (a draft without one is
    not recorded). One row per number: generating it again updates the row, and a number
    already used for another period or directive is refused."""

    kind = models.CharField("文种", max_length=20, choices=DocumentKind.choices)
    doc_no = models.CharField("发文字号", max_length=60)
    title = models.CharField("标题", max_length=200)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    directive = models.ForeignKey(
        "work.Directive", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_on = models.DateField("成文日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = "已发文件"
        verbose_name_plural = "已发文件"
        constraints = [
            models.UniqueConstraint(fields=["doc_no"], name="issued_document_doc_no_unique"),
        ]


class ImportState(models.TextChoices):
    RUNNING = "running", "导入中"
    STOPPED = "stopped", "已中断"
    COMPLETE = "complete", "已完成"


class LedgerImport(models.Model):
    """One ledger file being applied in batches (ledger_import.py, docs/decisions.md).

    The rows are checked first, then applied in short transactions of BATCH_ROWS rows so
    SQLite's single write lock is never held for long. This row says how far the apply
    got: RUNNING with a fresh `beat` while a process works on it, RUNNING with a stale beat
    (the process died) or STOPPED (a batch was refused) until the same file is imported
    again, which skips the rows already in and finishes the rest (`directives` maps each
    (kind, 文号, 交办日期) the import registered to its directive, so a resumed row joins
    the directive its siblings got).
    """

    file_sm3 = models.CharField(max_length=64)
    name = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=ImportState.choices)
    started_at = models.DateTimeField()
    beat = models.DateTimeField()  # moved at every committed batch
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)  # rows to apply
    rows_done = models.PositiveIntegerField(default=0)
    directives = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One unfinished import per file: a second process importing the same file
            # at the same time is refused, not interleaved.
            models.UniqueConstraint(
                fields=["file_sm3"],
                condition=~models.Q(state="complete"),
                name="ledger_import_one_unfinished_per_file",
            ),
            models.CheckConstraint(
                condition=models.Q(state="complete", finished_at__isnull=False)
                | (~models.Q(state="complete") & models.Q(finished_at__isnull=True)),
                name="ledger_import_finished_when_complete",
            ),
        ]
