"""What bench/portal.py's item stands on: a running online class of Thái Nguyên with its trainer and
`learners` enrolled (made-up people of tests/corpus), built once and kept, and a signed-in client
that calls Django's WSGI handler in this process, so that what is timed is the server's work for
one request (middleware, view, template), nothing of a network or an HTTP client."""

from __future__ import annotations

import io
import re
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CLASS_CODE = "BENCH-PORTAL"
TRAINER = "bench-portal-trainer"


def portal_class(learners: int):
    """The bench class with `learners` enrolled (added by bulk inserts the first time: the set-up is
    not what is measured) and its trainer."""
    import datetime

    from django.utils import timezone

    from courses.models import ClassMode, ClassStatus, Curriculum, Level, Province, Role, TrainingClass, User
    from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Gender, Learner
    from tests.corpus.people import people

    province = Province.objects.current().get(code="19")
    trainer, _ = User.objects.get_or_create(
        username=TRAINER, defaults={"role": Role.TRAINER, "full_name": "Giảng viên đo thử"}
    )
    code = f"{CLASS_CODE}-{learners}"
    training_class = TrainingClass.objects.filter(code=code).first()
    if training_class is None:
        today = timezone.localdate()
        training_class = TrainingClass.objects.create(
            code=code,
            title=f"Lớp trực tuyến {learners} học viên (đo hiệu năng)",
            curriculum=Curriculum.objects.filter(status="active").order_by("code").first(),
            province=province,
            organiser_province=province,
            mode=ClassMode.ONLINE,
            level=Level.PROVINCIAL,
            status=ClassStatus.RUNNING,
            start_date=today - datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=365),
            planned_size=learners,
        )
        training_class.trainers.set([trainer])
    missing = learners - Enrollment.objects.filter(training_class=training_class).count()
    if missing > 0:
        persons = people(learners, seed=2028)[-missing:]
        users = [User(username=f"bench-portal-{p.national_id}", role=Role.LEARNER) for p in persons]
        for user in users:
            user.set_unusable_password()  # these accounts never sign in
        users = User.objects.bulk_create(users, batch_size=2000)
        rows = []
        for person, user in zip(persons, users, strict=True):
            learner = Learner(
                user=user,
                national_id=person.national_id,
                full_name=person.full_name,
                gender=Gender.FEMALE if person.gender == "Nữ" else Gender.MALE,
                date_of_birth=person.born,
                province=province,
                email=person.email,
            )
            learner.derive_fields()
            rows.append(learner)
        rows = Learner.objects.bulk_create(rows, batch_size=2000)
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    learner=learner,
                    training_class=training_class,
                    status=EnrollmentStatus.ENROLLED,
                    source=EnrollmentSource.IMPORT,
                )
                for learner in rows
            ],
            batch_size=2000,
        )
        from django.db import connection

        # The planner's statistics of the tables just filled, as autovacuum would have them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE courses_user, enrollment_learner, enrollment_enrollment")
    return trainer, training_class


def new_session(training_class):
    """A session of the class that started an hour ago (attendance may be recorded), unmarked."""
    import datetime

    from django.utils import timezone

    from courses.models import ClassSession

    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    return ClassSession.objects.create(
        training_class=training_class,
        title="Buổi đo hiệu năng",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        planned_minutes=180,
        join_url="https://hop.example.vn/bench-portal",
    )


@dataclass
class Answer:
    status: int
    headers: list
    body: bytes
    seconds: float
    cpu_seconds: float  # this process's CPU time: the Python side, less what other processes took from it
    queries: int | None = None


@dataclass
class WsgiClient:
    """A browser's cookies over Django's WSGI handler, called in this process."""

    cookies: dict = field(default_factory=dict)
    language: str = "vi"

    def __post_init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def sign_in(self, user) -> None:
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)  # the session, stored by the configured session engine
        self.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def call(
        self, method: str, path: str, form: dict | None = None, *, count_queries: bool = False
    ) -> Answer:
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": self.language,
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/x-www-form-urlencoded" if form is not None else "",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        answered = {}

        def start_response(status, headers, exc_info=None):
            answered["status"], answered["headers"] = int(status.split()[0]), headers

        queries = None
        if count_queries:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                started, cpu = time.perf_counter(), time.process_time()
                content = self._run(environ, start_response)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            queries = len(captured.captured_queries)
        else:
            started, cpu = time.perf_counter(), time.process_time()
            content = self._run(environ, start_response)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        for name, value in answered["headers"]:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return Answer(answered["status"], answered["headers"], content, seconds, cpu, queries)

    def _run(self, environ, start_response) -> bytes:
        result = self.handler(environ, start_response)
        try:
            return b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()  # request_finished: what the server does after each request


def form_of(html: bytes) -> dict:
    """The roster form as the page presets it: the CSRF token and each select's selected option."""
    text = html.decode()
    form = {"csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)}
    for name, options in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', text, re.S):
        form[name] = re.search(r'<option value="([^"]+)" selected>', options).group(1)
    return form
