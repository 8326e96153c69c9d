"""What the class page's tests share: its address, an upload as the page's form sends it, the preview
an upload leads to, and a realistic Zoom report of the attendance world's first session."""

from __future__ import annotations

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from enrollment.models import FilePreview
from tests.corpus.platforms import Attendee, Meeting, at, zoom_csv


def class_url(training_class) -> str:
    return f"/portal/trainer/classes/{training_class.pk}/"


def upload(client, training_class, kind: str, content: bytes, name: str, **fields):
    return client.post(
        f"{class_url(training_class)}uploads/",
        {"kind": kind, "file": SimpleUploadedFile(name, content), **fields},
    )


def zoom_report(world) -> bytes:
    """Zoom's participant report of the attendance world's first session (01/09/2026 08:00-10:00):
    An the whole session, Bình joined 20 minutes late, Cường left after 30 minutes, a guest, the host."""
    day = datetime.date(2026, 9, 1)
    an, binh, cuong = (enrollment.learner for enrollment in world.active)
    people = [
        Attendee(an.full_name, an.email, [(at(day, "07:58"), at(day, "10:01"))]),
        Attendee(binh.full_name, binh.email, [(at(day, "08:20"), at(day, "10:00"))]),
        Attendee(cuong.full_name, "", [(at(day, "08:00"), at(day, "08:30"))]),
        Attendee(
            "Khách Mời Sở Nội Vụ", "khach@example.com", [(at(day, "08:05"), at(day, "09:00"))], guest=True
        ),
    ]
    host = Attendee("Giảng viên", "giangvien@example.vn", [(at(day, "07:50"), at(day, "10:05"))])
    meeting = Meeting("Bồi dưỡng trực tuyến", at(day, "07:50"), at(day, "10:05"), host)
    return zoom_csv(meeting, people)


def preview_of(response) -> FilePreview:
    match = re.search(r"/uploads/(\d+)/$", response["Location"])
    return FilePreview.objects.get(pk=int(match.group(1)))
