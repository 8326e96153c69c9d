"""The close of a period by the ministry: its final report frozen as the figures stand."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from courses.core.errors import DomainError
from courses.models import Programme
from reporting.models import PeriodClose
from reporting.selectors import report_cache
from reporting.selectors.reports_final import period_figures


@transaction.atomic
def programme_close(
    *, programme: Programme, closed_on: datetime.date, closed_by=None, note: str = ""
) -> PeriodClose:
    """Close the programme's period as of closed_on, freezing its summary figures (the nation's
    and each current province's) as they stand now.

    Refused: a period already closed (409; reopening is not offered), a date before the period
    starts or after today (400, on closed_on). A period still running may be closed as of a date
    before its end (the ministry ends a plan early). The figures are the live rollups': a change
    still waiting for its recompute is not in them, and shows in the final report as after the close.
    """
    # Locked so that two closes of one period at once give one close and one 409.
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    existing = PeriodClose.objects.filter(programme=programme).first()
    if existing is not None:
        raise DomainError(
            message=_("Giai đoạn này đã được khóa sổ ngày %(date)s.")
            % {"date": f"{existing.closed_on:%d/%m/%Y}"},
            code="already_closed",
            status=status.HTTP_409_CONFLICT,
            field="programme",
        )
    if closed_on < programme.period_start:
        raise DomainError(message=_("Ngày khóa sổ trước khi giai đoạn bắt đầu."), field="closed_on")
    if closed_on > timezone.localdate():
        raise DomainError(message=_("Ngày khóa sổ không được sau hôm nay."), field="closed_on")
    close = PeriodClose.objects.create(
        programme=programme,
        closed_on=closed_on,
        closed_by=closed_by,
        note=note,
        figures=period_figures(programme),
    )
    # The final report and the programme's answers now read the close.
    report_cache.invalidate()
    return close
