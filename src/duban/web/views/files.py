"""Files in and out: the ledger as Excel, the official documents, the ledger import.

Every file is built by `duban.documents` from selectors scoped to the signed-in user; the
views only pick the inputs and send the file back. Files are written to an anonymous
temporary file and streamed from there, so a 100,000-row ledger never sits in memory.
"""

from __future__ import annotations

import tempfile
from datetime import date
from typing import IO

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from duban.documents import ledger_xlsx
from duban.org.models import Leader, Unit
from duban.web.common import acting_user, roles_required
from duban.web.views.ledger import READERS, LedgerForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(fh: IO[bytes], name: str, mime: str) -> FileResponse:
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=name, content_type=mime)


@require_GET
@roles_required(*READERS)
def ledger_export(request: HttpRequest) -> FileResponse:
    """导出Excel: the ledger page's current filters, read by the same form as the page."""
    user = acting_user(request)
    units = list(Unit.objects.order_by("-is_active", "order", "id"))
    leaders = list(Leader.objects.order_by("order", "id"))
    filters = LedgerForm(request.GET, units=units, leaders=leaders).filters()
    now = timezone.now()
    # Not a `with`: FileResponse closes the file after streaming it, which deletes it.
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    ledger_xlsx.export_ledger(user=user, filters=filters, out=fh, now=now)
    today: date = timezone.localdate(now)
    return _download(fh, f"督办台账-{today:%Y%m%d}.xlsx", XLSX)
