"""Settings shared by every environment, read from the environment with django-environ.

Unset variables fall back to an embedded default so that a fresh clone runs with nothing
installed beyond requirements.txt: SQLite for the database and Celery running tasks in-process.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# The development key is public: production.py refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    SECRET_KEY=(str, DEVELOPMENT_SECRET_KEY),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    REDIS_URL=(str, ""),
    CELERY_TASK_TIME_LIMIT=(int, 30 * 60),
    CELERY_TASK_SOFT_TIME_LIMIT=(int, 25 * 60),
    ACCESS_TOKEN_MINUTES=(int, 30),
    REFRESH_TOKEN_DAYS=(int, 7),
    API_MAX_PAGE_SIZE=(int, 500),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc shipped as static files: /api/docs/ and /api/redoc/ work offline.
    "drf_spectacular_sidecar",
    "courses",
    "enrollment",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Over-large bodies under /api/ refused (413, JSON) before anything reads them.
    "courses.core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # No query string with a control character goes further.
    "courses.core.query_strings.QueryStringMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A signed-in account whose password someone else set goes to the change-password page first.
    "courses.core.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a statement with its JIT when the planner's cost estimate is high. The
    # rollup statements (correlated target subqueries, costed in the millions, a few hundred rows
    # in fact) spent about 8 s compiling and 50 ms running, per province: a full rebuild of the
    # national dataset took 20 minutes instead of one. Off by default; POSTGRES_JIT=on restores it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit={env.str('POSTGRES_JIT', default='off')}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "courses.User"
# Django's password check, with failed sign-ins counted and throttled (courses.core.throttling).
AUTHENTICATION_BACKENDS = ["courses.core.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English available; users are in Vietnam.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Vietnamese groups figures by thousands (1.234,5) where a page asks for grouping.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = BASE_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "courses.core.authentication.JWTAuthentication",
        "courses.core.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["courses.core.permissions.ReadAnyWriteCentralAdmin"],
    "DEFAULT_PAGINATION_CLASS": "courses.core.pagination.BoundedPageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # DRF's parsers, refusing control characters and deep nesting in every field (courses.core.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "courses.core.parsers.JSONParser",
        "courses.core.parsers.FormParser",
        "courses.core.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "courses.core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "courses.core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Failed sign-ins allowed per window before 429 (courses.core.throttling): per account named, per
    # client address, and refused refresh tokens per address.
    "DEFAULT_THROTTLE_RATES": {
        "sign_in_account": env.str("SIGN_IN_FAILURES_PER_ACCOUNT", default="10/15m"),
        "sign_in_address": env.str("SIGN_IN_FAILURES_PER_ADDRESS", default="50/15m"),
        "refresh_address": env.str("REFRESH_FAILURES_PER_ADDRESS", default="50/15m"),
        # Requests for a password reset email, per identification number or email typed, and per
        # address (courses.core.throttling.reset_wait).
        "password_reset_account": env.str("PASSWORD_RESETS_PER_ACCOUNT", default="3/1h"),
        "password_reset_address": env.str("PASSWORD_RESETS_PER_ADDRESS", default="20/1h"),
    },
    # The proxies in front of the app that append to X-Forwarded-For: the client's address, which
    # throttling counts per, is the one the outermost of them saw. 0: the connection's address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
API_MAX_PAGE_SIZE = env("API_MAX_PAGE_SIZE")

# The training each official should take a year, in periods (tiết, of 45 minutes: the unit the
# curricula count their topics in); enrollment.rules.training_hours.
TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS = env.int("TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS", default=40)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env("ACCESS_TOKEN_MINUTES")),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env("REFRESH_TOKEN_DAYS")),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Bồi dưỡng cán bộ, công chức cấp xã — API",
    "DESCRIPTION": (
        "Online training of commune officials: curriculum catalogue, classes, enrolment, "
        "attendance and progress against the programme targets. Every error has the same JSON "
        "shape (see the ErrorResponse schema)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation pages load their scripts from our static files, never from a CDN
    # (collectstatic gathers them with the rest; production serves STATIC_ROOT).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Errors the shared machinery answers (a bad page, an over-large body) documented everywhere;
    # request bodies closed to the fields they do not take.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "courses.core.openapi.document_shared_errors",
        "courses.core.openapi.refuse_unknown_request_fields",
    ],
    # Several choice sets share a field name ("status", "kind"): name their enums explicitly.
    "ENUM_NAME_OVERRIDES": {
        "CurriculumStatusEnum": "courses.models.CurriculumStatus",
        "ImportKindEnum": "courses.models.ImportKind",
        "ImportStatusEnum": "courses.models.ImportStatus",
        "LevelEnum": "courses.models.Level",
        "MaterialKindEnum": "courses.models.MaterialKind",
        "MappingKindEnum": "courses.models.MappingKind",
        "ProvinceStatusEnum": "courses.selectors.catalogue.ProvinceStatus",
        "ScopeKindEnum": "courses.selectors.catalogue.ScopeKind",
        "ClassStatusEnum": "courses.models.ClassStatus",
        "InstitutionKindEnum": "courses.models.InstitutionKind",
        "AttendanceStatusEnum": "enrollment.models.AttendanceStatus",
        "AttendanceSourceEnum": "enrollment.models.AttendanceSource",
        "AttendanceActionEnum": "enrollment.services.attendance_store.Action",
        "UnmatchedReasonEnum": "enrollment.files.attendance_report.Unmatched",
        "EnrollmentStatusEnum": "enrollment.models.EnrollmentStatus",
        "EnrollmentSourceEnum": "enrollment.models.EnrollmentSource",
        "AliasKindEnum": "courses.models.AliasKind",
    },
}

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process so that the
# embedded default needs no broker.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env("CELERY_TASK_TIME_LIMIT")
CELERY_TASK_SOFT_TIME_LIMIT = env("CELERY_TASK_SOFT_TIME_LIMIT")
# A task that a killed worker had taken stays unacknowledged in Redis until the visibility timeout
# passes, then any worker gets it again. Just above the hard time limit: no task still running is
# delivered twice (Celery killed it by then), and a lost one waits minutes, not kombu's default
# hour.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60)
# Refused here, where the values are set, so that no process starts with them (config/celery.py
# says why each matters; the app reads them lazily, after this module has been imported).
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be above 0 and below CELERY_TASK_TIME_LIMIT."
    )
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT ({CELERY_VISIBILITY_TIMEOUT} s) must be above the hard time limit "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT} s): a task still running would be delivered twice."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for such tasks every 10 s, not every 100 s (kombu scans on one call in 10 by default).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A broker gone without closing its connections fails a publish within seconds instead of
    # blocking the request that commits (courses.core.queue logs it; reconcile re-queues the work).
    "socket_connect_timeout": 5,
    "socket_timeout": 10,
}
# The result backend (Redis, which counts a rebuild's chord) has no visibility timeout: what it
# loses in a restart is found by reconcile (reporting.services.periodic.stale_reconcile).
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
CELERY_REDIS_SOCKET_TIMEOUT = 10
# A worker killed mid-task must not lose the task: acknowledge after it ran, requeue on loss.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}

# The cache holds the computed report answers (reporting.selectors.report_cache) and the counts of failed
# sign-ins (courses.core.throttling): in Redis, so that every web process and worker shares them and a
# worker's write invalidates them for all; without Redis (tasks run in-process) in the process's
# memory. Accounts are never cached: every request reads its account as it is now.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cadre",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Email (issue 14: password resets, enrolment and reminder emails, certificates), from EMAIL_URL:
# the console in development and the demo (emails are printed by the process that sends them),
# SMTP in production, e.g. EMAIL_URL=smtp+tls://user:password@mail.example.gov.vn:587.
# Tests use Django's in-memory outbox whatever is set here.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Đào tạo cán bộ cấp xã <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's public address, for links that leave the site: in emails, in a certificate's QR code,
# in a calendar feed's URL. No trailing slash.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A password reset link (reporting.pages.accounts) works once, for this long (Django's default is
# three days; a day is enough to read one's email and short enough to make a leaked link stale).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)

# Emails to learners (enrollment.services.notifications*): session reminders the day before and
# shortly before each session, found by a beat task every NOTIFICATION_SCAN_SECONDS; sends tried
# NOTIFICATION_MAX_ATTEMPTS times in all; rows unsent NOTIFICATION_REQUEUE_AFTER after they were
# written are asked for again (their task was lost).
NOTIFICATION_REMINDER_DAY_BEFORE = timedelta(
    hours=env.int("NOTIFICATION_REMINDER_DAY_BEFORE_HOURS", default=24)
)
NOTIFICATION_REMINDER_SOON = timedelta(minutes=env.int("NOTIFICATION_REMINDER_SOON_MINUTES", default=30))
NOTIFICATION_SCAN_SECONDS = env.int("NOTIFICATION_SCAN_SECONDS", default=300)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_REQUEUE_AFTER = timedelta(minutes=env.int("NOTIFICATION_REQUEUE_AFTER_MINUTES", default=15))
if not NOTIFICATION_REMINDER_SOON < NOTIFICATION_REMINDER_DAY_BEFORE:
    raise ImproperlyConfigured(
        "NOTIFICATION_REMINDER_SOON_MINUTES must be shorter than NOTIFICATION_REMINDER_DAY_BEFORE_HOURS."
    )

# A trainer's roster form (enrollment/pages/trainer.py) posts one field per learner: as many as the
# API's roster accepts (RosterMarkSerializer, 10,000 records), plus the CSRF token and the reason.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_010
# A file a trainer previewed on the portal (enrollment.models.FilePreview) waits this long to be
# applied; then the nightly purge deletes it, and empties the bytes of those applied.
FILE_PREVIEW_KEEP_DAYS = env.int("FILE_PREVIEW_KEEP_DAYS", default=2)

# Imports of CSV/XLSX files (catalogue now, enrolment next). Up to IMPORT_SYNC_MAX_ROWS data rows
# are imported within the request; larger files become an ImportJob run by a Celery worker.
IMPORT_SYNC_MAX_ROWS = env.int("IMPORT_SYNC_MAX_ROWS", default=500)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20000)
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=10 * 1024 * 1024)
# Every uploaded file is read within these limits, counted as it is read, never taken from what the
# file declares (courses/core/files/read_limits.py): a read ends within seconds and tens of MB whatever the file.
# Bytes the parts of an .xlsx (a zip) inflate to, all together and each, and per compressed byte read.
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=100 * 1024 * 1024)
IMPORT_MAX_PART_BYTES = env.int("IMPORT_MAX_PART_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=100)
# Rows present in the sheet or lines of a CSV file, blank ones included (formatting below the data
# writes blank rows); the position of the last column holding a value; cells present, blank included.
IMPORT_MAX_SHEET_ROWS = env.int("IMPORT_MAX_SHEET_ROWS", default=max(50_000, 2 * IMPORT_MAX_ROWS))
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=1_000_000)
# Characters of one cell or shared string (Excel's own limit), and of one line of a CSV file.
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=32_767)
IMPORT_MAX_LINE_CHARS = env.int("IMPORT_MAX_LINE_CHARS", default=131_072)
# The whole read, below gunicorn's 30 s worker timeout.
IMPORT_MAX_READ_SECONDS = env.float("IMPORT_MAX_READ_SECONDS", default=15.0)

# --- What the apps above courses plug into it ------------------------------------------------------
# courses imports neither enrollment nor reporting, yet reacts to them: what the higher apps give it is
# named here by dotted path (as AUTHENTICATION_BACKENDS is) and resolved with import_string where
# courses uses it, each call site naming its setting. Every cross-app reaction is listed here.

# Called as hook(training_class=..., actor=..., changes={"capacity", "mode", "sessions", "status"})
# inside the transaction of a class change (courses.services.classes.class_changed_notify):
# enrollment promotes the waitlist when seats are added and marks the class's progress stale when
# its sessions or status change.
CLASS_CHANGE_HOOKS = ["enrollment.services.enrollments.on_class_changed"]

# Import kind (courses.models.ImportKind) -> its importer (courses.services.import_jobs.Importer):
# the columns it reads, who may run it, the service that runs it, the check of its parameters (the
# class an enrolment list is for) and the actions (and, for an enrolment list, the learner states)
# its report items name. Every kind runs through
# the same ImportJob machinery.
IMPORTERS = {
    "catalogue": {
        "columns": "courses.files.catalogue_file.COLUMNS",
        "may_run": "courses.core.permissions.is_central_admin",
        "run": "courses.services.catalogue.catalogue_import",
        "actions": "courses.services.catalogue.CATALOGUE_IMPORT_ACTIONS",
    },
    "enrolment": {
        "columns": "enrollment.files.enrollment_file.COLUMNS",
        "may_run": "enrollment.services.enrollment_import.enrolment_import_may_run",
        "run": "enrollment.services.enrollment_import.enrolment_import",
        "check_params": "enrollment.services.enrollment_import.enrolment_import_check_params",
        "actions": "enrollment.services.enrollment_import.ENROLMENT_IMPORT_ACTIONS",
        "learners": "enrollment.services.enrollment_import.ENROLMENT_IMPORT_LEARNERS",
    },
    "allocation": {
        "columns": "reporting.files.allocation_file.COLUMNS",
        "may_run": "courses.core.permissions.is_central_admin",
        "run": "reporting.services.allocations.allocation_import",
        "check_params": "reporting.services.allocations.allocation_import_check_params",
        "actions": "reporting.services.allocations.ALLOCATION_IMPORT_ACTIONS",
    },
}

# Column mapping kind (courses.models.MappingKind) -> the columns of its layout, the fields a saved
# mapping may name (courses.services.column_mappings).
MAPPING_COLUMNS = {
    "catalogue": "courses.files.catalogue_file.COLUMNS",
    "enrolment": "enrollment.files.enrollment_file.COLUMNS",
    "platform_report": "enrollment.files.attendance_report.COLUMNS",
    "scores": "enrollment.files.score_file.COLUMNS",
}

# The enrolment figures of the classes courses lists (courses.selectors.classes), from the app
# owning the enrolment statuses: which statuses hold a seat, which wait, and their values.
CLASS_ENROLLMENT_FIGURES = "enrollment.selectors.class_seats.class_enrollment_figures"
CLASSES_WITH_SEAT = "enrollment.selectors.class_seats.classes_with_seat"
ENROLLMENT_STATUSES = "enrollment.models.EnrollmentStatus"

# Progress figures (reporting.tasks): reconcile stale marks whose task was lost and classes changed
# without a mark, every minute; finish classes whose end date passed (completion, certificates),
# hourly; a full rebuild at night catches what no mark reports (a learner's position, a session's
# planned minutes) and moves the pace projections to the new day.
CELERY_BEAT_SCHEDULE |= {
    "reporting-reconcile-stale": {"task": "reporting.reconcile_stale", "schedule": 60.0},
    "courses-import-jobs-requeue-lost": {"task": "courses.import_jobs_requeue_lost", "schedule": 300.0},
    # A check-in never checked out ends at its last sign of presence once its session is over.
    "enrollment-close-open-check-ins": {"task": "enrollment.close_open_check_ins", "schedule": 300.0},
    "enrollment-purge-file-previews": {
        "task": "enrollment.purge_file_previews",
        "schedule": crontab(hour=3, minute=15),
    },
    # Session reminders by email: the day before and shortly before each session.
    "enrollment-scan-session-reminders": {
        "task": "enrollment.scan_session_reminders",
        "schedule": float(NOTIFICATION_SCAN_SECONDS),
    },
    "reporting-finish-due-classes": {"task": "reporting.finish_due_classes", "schedule": crontab(minute=5)},
    "reporting-nightly-rebuild": {
        "task": "reporting.rebuild_progress",
        "schedule": crontab(hour=2, minute=30),
    },
}
