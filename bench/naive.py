"""The naive way a typical Django project would do what the benchmark measures, kept here as the
yardstick of item 6 (never used by the application):

* ingestion: a DRF ModelSerializer(many=True) over the posted records, each record validated with
  its own queries (the two foreign keys, the unique pair) and saved with its own INSERT;
* aggregation: an ORM loop over enrolments computing each one's figures in Python from its
  attendance (a query per enrolment) and saving them row by row.
"""

from __future__ import annotations

import time
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from enrollment.models import Attendance, AttendanceSource, Enrollment, EnrollmentStatus
from reporting.models import EnrollmentProgress


class NaiveAttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "session", "enrollment", "status", "minutes", "source", "note"]


class NaiveAttendanceBulkView(APIView):
    """POST {"records": [...]}: ModelSerializer(many=True), one save per record."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        records = [{**r, "source": AttendanceSource.INTEGRATION} for r in request.data["records"]]
        serializer = NaiveAttendanceSerializer(data=records, many=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            serializer.save()
        return Response({"created": len(serializer.data), "results": serializer.data})


class _Rollback(Exception):
    pass


def naive_aggregate(enrollment_ids: list[int], *, min_percent: int = 80) -> dict:
    """Per-enrolment figures with an ORM loop, saved row by row; rolled back at the end (the
    figures stay the real job's). Returns counts, the time and the figures it computed."""
    computed: dict[int, tuple[int, int, int]] = {}
    attendance_rows = 0
    started = time.perf_counter()
    try:
        with transaction.atomic():
            for enrollment in Enrollment.objects.filter(pk__in=enrollment_ids).select_related(
                "training_class"
            ):
                training_class = enrollment.training_class
                planned = sum(s.planned_minutes for s in training_class.sessions.all())
                attended = excused = 0
                for record in enrollment.attendance.select_related("session"):
                    attendance_rows += 1
                    if record.status in ("present", "late"):
                        attended += min(record.minutes, record.session.planned_minutes)
                    elif record.status == "excused":
                        excused += record.session.planned_minutes
                percent = (
                    (Decimal(attended * 100) / planned).quantize(Decimal("0.01"), ROUND_DOWN)
                    if planned
                    else 0
                )
                active = enrollment.status not in (EnrollmentStatus.WAITLISTED, EnrollmentStatus.WITHDRAWN)
                meets = planned > 0 and attended * 100 >= min_percent * planned
                EnrollmentProgress.objects.filter(enrollment=enrollment).update(
                    planned_minutes=planned,
                    attended_minutes=attended,
                    excused_minutes=excused,
                    percent=percent,
                    meets_attendance=meets,
                    meets_rule=active and meets,
                )
                computed[enrollment.pk] = (planned, attended, excused)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return {
        "enrolments": len(computed),
        "attendance": attendance_rows,
        "seconds": elapsed,
        "figures": computed,
    }
