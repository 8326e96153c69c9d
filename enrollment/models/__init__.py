"""The enrollment app's models, one module per subdomain; every model and its choices are imported
here, so that `from enrollment.models import X` finds each of them."""

from .attendance import Attendance, AttendanceSource, AttendanceStatus, PresenceInterval
from .audit import AuditEntry, LearnerDataAccess
from .calendar_feeds import CalendarFeed
from .completion import (
    DEFAULT_EXCUSED_POLICY,
    DEFAULT_MIN_ATTENDANCE_PERCENT,
    DEFAULT_MIN_FINAL_SCORE,
    CompletionRule,
    ExcusedPolicy,
)
from .enrollments import ACTIVE_STATUSES, SEAT_STATUSES, Enrollment, EnrollmentSource, EnrollmentStatus
from .learners import MAJORITY_ETHNICITY, Gender, Learner
from .notifications import REMINDER_KINDS, Notification, NotificationKind, NotificationStatus
from .progress import StaleClass
from .uploads import FilePreview, UploadKind

__all__ = [
    "ACTIVE_STATUSES",
    "SEAT_STATUSES",
    "DEFAULT_EXCUSED_POLICY",
    "DEFAULT_MIN_ATTENDANCE_PERCENT",
    "DEFAULT_MIN_FINAL_SCORE",
    "MAJORITY_ETHNICITY",
    "REMINDER_KINDS",
    "Attendance",
    "AttendanceSource",
    "AttendanceStatus",
    "AuditEntry",
    "CalendarFeed",
    "CompletionRule",
    "Enrollment",
    "EnrollmentSource",
    "EnrollmentStatus",
    "ExcusedPolicy",
    "FilePreview",
    "Gender",
    "Learner",
    "LearnerDataAccess",
    "Notification",
    "NotificationKind",
    "NotificationStatus",
    "PresenceInterval",
    "StaleClass",
    "UploadKind",
]
