"""A trainer's class page (/portal/trainer/classes/<id>/): who may open it and send files to it,
scoped as the API's class management (MANAGES_THE_CLASS); the class's progress by the completion
rule; a platform report, an enrolment list and a score sheet through the dry run's preview (matched,
unmatched, warnings, per-row errors), applied on exactly the stored file and only as previewed; a
large list as a job with its status; hostile files answered with the reader's message, never a 500;
the exports downloaded with the page's session; bounded queries; the path in Chromium at 360 px."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from courses.models import ImportJob, ImportStatus
from courses.services.import_jobs import import_job_run
from enrollment.models import Attendance, AttendanceStatus, Enrollment, FilePreview, Learner, UploadKind
from enrollment.services.attendance_roll_call import attendance_mark_roster
from tests.corpus.platforms import Attendee, Meeting, at, zoom_csv
from tests.courses import hostile_files
from tests.enrollment import enrollment_files, score_files
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import EnrollmentFactory, LearnerFactory
from tests.roles import CLASS_ROLES, STAFF_OF_THE_CLASS, by_role, client_as

# As the API's class exports and score sheet (STAFF_OF_THE_CLASS: MANAGES_THE_CLASS, every learner
# refused by role), anonymous visitors sent to sign in.
CLASS_PAGE = {**STAFF_OF_THE_CLASS, "anonymous": 302}
# A preview is seen and applied only by whoever uploaded it (as the API's import jobs), here the
# provincial admin: the class's other managers are answered 404 like those who don't manage it.
UPLOADER_ONLY = {
    **dict.fromkeys(CLASS_ROLES, 404),
    "anonymous": 302,
    "own_learner": 403,
    "other_learner": 403,
    "province_admin": 200,
}


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


# --- who may open the page and send files ------------------------------------------------------------


@by_role(CLASS_PAGE)
def test_the_class_page_by_role(world, user_of, role, expected):
    url = class_url(world.training_class)
    response = page_client(user_of(role)).get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(f"/login/?next={url}")
    # The API's class exports (STAFF_OF_THE_CLASS) answer the same roles the same way (anonymous: 401).
    api = client_as(user_of(role)).get(f"/api/v1/classes/{world.training_class.pk}/roster.xlsx")
    assert api.status_code == (401 if expected == 302 else expected)


@by_role(CLASS_PAGE)
def test_uploading_a_file_by_role(world, user_of, role, expected):
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    response = upload(
        page_client(user_of(role)), world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx"
    )
    if expected == 200:
        assert response.status_code == 302
        preview = preview_of(response)
        assert preview.created_by == user_of(role) and preview.applied_at is None
    else:
        assert response.status_code == expected
        assert not FilePreview.objects.exists()
    # Nothing is enrolled by a preview.
    assert not Learner.objects.filter(national_id="019185000123").exists()


@by_role(UPLOADER_ONLY)
def test_a_preview_is_the_uploaders_alone(world, user_of, role, expected):
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    uploader = page_client(user_of("province_admin"))
    preview = preview_of(upload(uploader, world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx"))
    url = f"{class_url(world.training_class)}uploads/{preview.pk}/"
    client = page_client(user_of(role))
    assert client.get(url).status_code == expected
    applied = client.post(f"{url}apply/")
    assert applied.status_code == (302 if expected == 200 else expected)
    preview.refresh_from_db()
    assert (preview.applied_at is not None) == (expected == 200)
    assert Learner.objects.filter(national_id="019185000123").exists() == (expected == 200)


def test_the_uploader_opens_and_applies_their_preview(world):
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    client = page_client(world.trainer)
    preview = preview_of(upload(client, world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx"))
    url = f"{class_url(world.training_class)}uploads/{preview.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(f"{url}apply/")["Location"] == url
    learner = Learner.objects.get(national_id="019185000123")
    assert Enrollment.objects.filter(learner=learner, training_class=world.training_class).exists()


def test_uploads_and_applies_are_posts_with_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.trainer)
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    assert upload(client, world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx").status_code == 403
    preview = preview_of(
        upload(page_client(world.trainer), world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx")
    )
    assert client.post(f"{class_url(world.training_class)}uploads/{preview.pk}/apply/").status_code == 403
    assert client.get(f"{class_url(world.training_class)}uploads/").status_code == 405
    assert not Learner.objects.filter(national_id="019185000123").exists()
