"""Learners, enrolment, attendance and their history in the ministry's back office.

Everything here is written through the API and the importers, whose services keep accounts,
capacity, the progress figures and the audit history in step; the admin only views it
(courses.admin.ReadOnlyAdmin). Lists filter by province, position and status where the model has
them, and join the related rows they show so that no page runs a query per row.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from courses.admin import ReadOnlyAdmin
from enrollment.models import (
    Attendance,
    AuditEntry,
    CalendarFeed,
    Enrollment,
    FilePreview,
    Learner,
    LearnerDataAccess,
    Notification,
    PresenceInterval,
    StaleClass,
)

# A related filter on a path (class → province) lists every province, without scanning the table.
_CLASS_PROVINCE = ("training_class__province", admin.RelatedFieldListFilter)


@admin.register(Learner)
class LearnerAdmin(ReadOnlyAdmin):
    """Learners are created and corrected through the learner API and the enrolment files
    (enrollment.services), which keep their account and identity rules."""

    list_display = [
        "national_id",
        "full_name",
        "gender",
        "province",
        "commune",
        "position",
        "area_type",
        "is_ethnic_minority",
    ]
    list_filter = ["province", "position", "area_type", "is_ethnic_minority", "gender", "ethnicity"]
    search_fields = ["national_id", "legacy_id_number", "full_name", "search_text"]
    list_select_related = ["province", "commune", "position"]


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    """Enrolments change through the enrolment services (capacity, waitlist, audit history)."""

    list_display = ["learner", "training_class", "status", "source", "created_at"]
    list_filter = ["status", "source", _CLASS_PROVINCE, "learner__position"]
    search_fields = ["learner__national_id", "learner__full_name", "training_class__code"]
    list_select_related = ["learner", "training_class"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    """Attendance comes from trainers, learners' check-ins and the platforms' reports through the
    attendance services, which write the audit history and mark the class for recomputing."""

    list_display = [
        "learner",
        "training_class",
        "session_start",
        "status",
        "minutes",
        "source",
        "recorded_at",
    ]
    list_filter = [
        "status",
        "source",
        ("session__training_class__province", admin.RelatedFieldListFilter),
        "enrollment__learner__position",
    ]
    search_fields = [
        "enrollment__learner__national_id",
        "enrollment__learner__full_name",
        "session__training_class__code",
    ]
    list_select_related = ["enrollment__learner", "session__training_class", "recorded_by"]

    @admin.display(description=_("học viên"))
    def learner(self, attendance):
        return attendance.enrollment.learner

    @admin.display(description=_("lớp"))
    def training_class(self, attendance):
        return attendance.session.training_class.code

    @admin.display(description=_("buổi học"), ordering="session__starts_at")
    def session_start(self, attendance):
        return attendance.session.starts_at


@admin.register(PresenceInterval)
class PresenceIntervalAdmin(ReadOnlyAdmin):
    """Times in an online class, written by the check-in and platform-report services; the
    attendance minutes are computed from them."""

    list_display = ["learner", "training_class", "joined_at", "left_at", "last_seen_at", "source"]
    list_filter = ["source", ("session__training_class__province", admin.RelatedFieldListFilter)]
    search_fields = [
        "enrollment__learner__national_id",
        "enrollment__learner__full_name",
        "session__training_class__code",
    ]
    list_select_related = ["enrollment__learner", "session__training_class"]

    @admin.display(description=_("học viên"))
    def learner(self, interval):
        return interval.enrollment.learner

    @admin.display(description=_("lớp"))
    def training_class(self, interval):
        return interval.session.training_class.code


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit history is appended by the services with each change; it is never edited."""

    list_display = ["at", "entity", "entity_id", "action", "actor", "training_class", "source", "reason"]
    list_filter = ["entity", "action", "source", _CLASS_PROVINCE]
    search_fields = ["training_class__code", "actor__username", "actor__full_name", "reason"]
    list_select_related = ["actor", "training_class"]
    date_hierarchy = "at"


@admin.register(StaleClass)
class StaleClassAdmin(ReadOnlyAdmin):
    """Classes marked by the services for their progress to be recomputed; the aggregation task
    clears the marks."""

    list_display = ["training_class", "marked_at"]
    list_filter = [_CLASS_PROVINCE]
    search_fields = ["training_class__code"]
    list_select_related = ["training_class"]


@admin.register(LearnerDataAccess)
class LearnerDataAccessAdmin(ReadOnlyAdmin):
    """Who read a learner's personal data, logged by the API as it answers; a log is not edited."""

    list_display = ["at", "reader", "learner", "endpoint", "training_class", "full_record"]
    list_filter = ["full_record", "endpoint", ("learner__province", admin.RelatedFieldListFilter)]
    search_fields = ["reader__username", "learner__national_id", "learner__full_name", "path"]
    list_select_related = ["reader", "learner", "training_class"]
    date_hierarchy = "at"


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Which learners have a calendar feed, and when they last reset it. The address itself (key and
    secret) is the learner's alone: it is not shown here; the learner resets it from the portal."""

    list_display = ["learner", "created_at", "reset_at"]
    fields = ["learner", "created_at", "reset_at"]
    search_fields = ["learner__national_id", "learner__full_name"]
    list_select_related = ["learner"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The emails sent to learners (enrollment.services.notifications). A row left `sending` is
    an email whose worker died while handing it over: it may or may not have gone out, and is not
    sent again; `failed` rows carry the mail server's answer."""

    list_display = [
        "kind",
        "enrollment",
        "session",
        "certificate_id",
        "status",
        "attempts",
        "email",
        "sent_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["email", "enrollment__learner__national_id", "enrollment__learner__full_name"]
    list_select_related = ["enrollment__learner", "enrollment__training_class", "session__training_class"]


@admin.register(FilePreview)
class FilePreviewAdmin(ReadOnlyAdmin):
    """Files trainers uploaded on the portal, kept between their dry run and its apply
    (enrollment.services.file_previews); their outcome is viewed here. The file's bytes are not shown."""

    list_display = ["id", "kind", "training_class", "session", "created_by", "created_at", "applied_at"]
    list_filter = ["kind", _CLASS_PROVINCE]
    search_fields = ["training_class__code", "created_by__username", "file_name"]
    list_select_related = ["training_class", "session__training_class", "created_by"]
    exclude = ["file_content"]
    date_hierarchy = "created_at"
