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
