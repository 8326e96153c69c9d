"""The attacks of issue 10, re-run over HTTP against a production-like set-up, with what held:
`make attacks` (or `.venv/bin/python bench/attacks.py`).

The set-up is the one the issue was found on: gunicorn with the production settings (two sync
workers, the 30 s timeout), a Celery worker on Redis and PostgreSQL, all on this machine. Redis is
a server of the run's own on a free port (the outage attack stops it and starts it again). A fresh
database (`cadre_attacks`, dropped and made again) gets the reference data and the demo dataset
through the demo's own commands; the demo accounts' passwords are set by this script. Every
request goes to 127.0.0.1.

Each attack prints the requests it made and whether the defence held; the exit status is 0 when
every one held, 1 when one did not, 2 when the set-up failed. The regression tests of each finding
are in the suite; this is the attacker's view of the same, end to end.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import BenchError, log  # noqa: E402

ADMIN_URL = os.environ.get("ATTACKS_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = "cadre_attacks"
# A Redis server of the run's own, on a free port: the outage attack stops and restarts it, which
# must not touch the machine's shared Redis.
REDIS_PORT = harness.free_port()
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/0"
PASSWORD = "Attacks-" + secrets.token_urlsafe(12)


# --- HTTP ----------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def is_error_shape(self) -> bool:
        data = self.json()
        return isinstance(data, dict) and {"status", "code", "message", "errors"} <= set(data)


@dataclass
class Client:
    base: str
    token: str | None = None
    requests: int = 0
    host: str | None = None

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None, headers=None) -> Answer:
        data = raw
        all_headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if self.host:
            all_headers["Host"] = self.host
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)  # noqa: S310
        self.requests += 1
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=90) as response:  # noqa: S310 - loopback only
                return Answer(
                    response.status, dict(response.headers), response.read(), time.monotonic() - started
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read(), time.monotonic() - started)

    def upload(self, path: str, name: str, content: bytes, fields: dict | None = None) -> Answer:
        boundary = "attacks" + secrets.token_hex(8)
        parts = []
        for key, value in (fields or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.call(
            "POST",
            path,
            raw=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def oversized_post(base: str, token: str, path: str, length: int) -> Answer:
    """A body declared `length` bytes long, of which the first megabyte is sent: a server that
    refuses it by its declared length answers before the rest, and closes the connection."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=90)
    started = time.monotonic()
    connection.putrequest("POST", path)
    for name, value in (
        ("Content-Type", "application/json"),
        ("Content-Length", str(length)),
        ("Authorization", f"Bearer {token}"),
        ("Accept", "application/json"),
    ):
        connection.putheader(name, value)
    connection.endheaders()
    with contextlib.suppress(OSError):  # refused already
        connection.send(b"[" + b"0," * 500_000)
    response = connection.getresponse()
    answer = Answer(response.status, dict(response.headers), response.read(), time.monotonic() - started)
    connection.close()
    return answer


def sign_in(base: str, username: str, password: str = PASSWORD) -> tuple[Client, dict]:
    client = Client(base)
    answer = client.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
    if answer.status != 200:
        raise BenchError(f"sign-in of {username} answered {answer.status}: {answer.body[:300]!r}")
    tokens = answer.json()
    client.token = tokens["access"]
    return client, tokens


# --- hostile files -------------------------------------------------------------------------------


def _xlsx(sheet_xml: bytes, shared_strings: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                if shared_strings
                else ""
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                if shared_strings
                else ""
            )
            + "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings:
            z.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def hostile_files() -> dict[str, bytes]:
    heading = b'<row r="1"><c r="A1" t="inlineStr"><is><t>So dinh danh</t></is></c><c r="B1" t="inlineStr"><is><t>Ho va ten</t></is></c></row>'
    declared = _xlsx(
        SHEET_HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData>' + heading + b"</sheetData></worksheet>"
    )
    empty_rows = _xlsx(
        SHEET_HEAD
        + b"<sheetData>"
        + heading
        + b"".join(b"<row/>" for _ in range(3_000_000))
        + b"</sheetData></worksheet>"
    )
    big = b"A" * (300 * 1024 * 1024)
    shared = _xlsx(
        SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        + big
        + b"</t></si></sst>",
    )
    del big
    return {"declared A1:XFD1048576": declared, "3M empty rows": empty_rows, "300 MB shared string": shared}


# --- the set-up ----------------------------------------------------------------------------------


def environment() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": harness.database_url(ADMIN_URL, DATABASE),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: TLS is the proxy's, as in production.
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "0",
    }


def start_redis():
    process = harness._spawn(
        "attacks-redis",
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        dict(os.environ),
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(BenchError):
            harness.check_redis(REDIS_URL)
            return process
        time.sleep(0.2)
    raise BenchError("the run's Redis did not answer within 20 s")


def set_up(env: dict) -> tuple[dict, harness.Worker]:
    with harness.sql_connect(ADMIN_URL) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    log("migrating, loading reference data and the demo dataset (about a minute)")
    harness.manage(["migrate", "--noinput"], env=env, timeout=600)
    harness.manage(["load_reference_data"], env=env, timeout=600)
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    )
    os.environ.update({"ALLOWED_HOSTS": env["ALLOWED_HOSTS"], "SECURE_SSL_REDIRECT": "false"})
    import django

    django.setup()
    from config.celery import app

    worker = harness.Worker(concurrency=2)
    worker.start(env, app)
    harness.manage(["demo_setup"], env=env, timeout=900)
    return accounts(), worker


def accounts() -> dict:
    """The demo accounts with this run's password, and the ids the attacks aim at."""
    from courses.models import TrainingClass, User
    from enrollment.models import Enrollment, Learner

    for user in User.objects.filter(
        username__in=["admin", "sonoivu-thainguyen", "sonoivu-hanoi", "giangvien"]
    ):
        user.set_password(PASSWORD)
        user.save()
    trainer = User.objects.get(username="giangvien")
    thai_nguyen_class = (
        TrainingClass.objects.filter(trainers=trainer, province__code="19").order_by("-start_date").first()
    )
    hanoi_learners = Learner.objects.filter(province__code="01").exclude(
        enrollments__training_class__province__code="19"
    )
    victims = list(hanoi_learners.order_by("id")[:3])
    own = (
        Enrollment.objects.filter(training_class=thai_nguyen_class)
        .select_related("learner__user")
        .first()
        .learner
    )
    own.user.set_password(PASSWORD)
    own.user.save()
    session = thai_nguyen_class.sessions.order_by("starts_at").first()
    enrolment = (
        Enrollment.objects.filter(training_class=thai_nguyen_class, status="enrolled").order_by("id").last()
    )
    return {
        "class_id": thai_nguyen_class.pk,
        "session_id": session.pk,
        "enrollment_id": enrolment.pk,
        "victims": [
            {
                "id": v.pk,
                "national_id": v.national_id,
                "phone": v.phone,
                "email": v.email,
                "dob": str(v.date_of_birth),
            }
            for v in victims
        ],
        "learner": own.user.username,
        "learner_id": own.pk,
    }


def start_gunicorn(env: dict) -> str:
    port = harness.free_port()
    process = harness._spawn(
        "attacks-gunicorn",
        [
            str(harness.VENV_BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
            "--log-level",
            "warning",
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}: see {harness.LOG_DIR}")
        try:
            urllib.request.urlopen(f"{base}/api/v1/me", timeout=2)  # noqa: S310
        except urllib.error.HTTPError:
            return base
        except OSError:
            time.sleep(0.2)
            continue
        return base
    raise BenchError("gunicorn did not answer within 60 s")


# --- the attacks ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    finding: str
    attack: str
    requests: int = 0
    held: bool = True
    seen: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.seen.append(("ok  " if ok else "FAIL") + " " + what)
        self.held &= ok


def _leaks(answer: Answer, victim: dict) -> list[str]:
    text = answer.body.decode("utf-8", "replace")
    leaked = [name for name in ("national_id", "phone", "email") if victim[name] and victim[name] in text]
    if victim["dob"] != "None" and victim["dob"] in text:
        leaked.append("date_of_birth")
    return leaked


def attack_personal_data(base: str, world: dict) -> list[Outcome]:
    outcomes = []
    trainer, _ = sign_in(base, "giangvien")
    victim = world["victims"][0]
    out = Outcome("1", "trainer enrols another province's learner, then reads them")
    answer = trainer.call(
        "POST", f"/api/v1/classes/{world['class_id']}/enrollments", {"learner_ids": [victim["id"]]}
    )
    out.check(400 <= answer.status < 500, f"enrol answered {answer.status}")
    for path in (
        f"/api/v1/learners/{victim['id']}",
        f"/api/v1/classes/{world['class_id']}/roster?page_size=500",
        f"/api/v1/classes/{world['class_id']}/roster.xlsx",
    ):
        leaked = _leaks(trainer.call("GET", path), victim)
        out.check(not leaked, f"{path}: {', '.join(leaked) or 'nothing of theirs'}")
    out.requests = trainer.requests
    outcomes.append(out)

    admin, _ = sign_in(base, "sonoivu-thainguyen")
    out = Outcome("1", "provincial admin enrols another province's learner through a draft class")
    draft = admin.call("GET", f"/api/v1/classes/{world['class_id']}").json() or {}
    created = admin.call(
        "POST",
        "/api/v1/classes",
        {
            "code": "ATTACK-DRAFT-" + secrets.token_hex(3),
            "title": "Lớp nháp",
            "curriculum_id": (draft.get("curriculum") or {}).get("id"),
            "province_id": (draft.get("province") or {}).get("id"),
            "mode": "online",
            "level": "provincial",
            "start_date": "2026-12-20",
            "end_date": "2026-12-30",
        },
    )
    class_id = (created.json() or {}).get("id")
    out.check(created.status == 201, f"draft class created ({created.status})")
    victim = world["victims"][1]
    answer = admin.call("POST", f"/api/v1/classes/{class_id}/enrollments", {"learner_ids": [victim["id"]]})
    out.check(400 <= answer.status < 500, f"enrol answered {answer.status}")
    leaked = _leaks(admin.call("GET", f"/api/v1/learners/{victim['id']}"), victim)
    out.check(not leaked, f"learner read: {', '.join(leaked) or 'nothing of theirs'}")
    ids = list(range(1, 5001))
    answer = admin.call("POST", f"/api/v1/classes/{class_id}/enrollments", {"learner_ids": ids})
    out.check(400 <= answer.status < 500, f"5,000 sequential ids answered {answer.status}")
    out.requests = admin.requests
    outcomes.append(out)

    central, _ = sign_in(base, "admin")
    out = Outcome("1", "a withdrawn enrolment grants nothing; reads are recorded")
    victim = world["victims"][2]
    enrolled = central.call(
        "POST", f"/api/v1/classes/{world['class_id']}/enrollments", {"learner_ids": [victim["id"]]}
    )
    out.check(enrolled.status in (200, 201), f"central admin enrols ({enrolled.status})")
    trainer.requests = 0
    before = _leaks(trainer.call("GET", f"/api/v1/learners/{victim['id']}"), victim)
    out.check(True, f"while enrolled the trainer reads: {', '.join(before) or 'no personal data'}")
    from enrollment.models import Enrollment

    enrolment_id = (
        Enrollment.objects.filter(training_class_id=world["class_id"], learner_id=victim["id"])
        .values_list("id", flat=True)
        .first()
    )
    withdrawn = central.call("POST", f"/api/v1/enrollments/{enrolment_id}/withdraw", {"reason": "attacks"})
    out.check(withdrawn.status == 200, f"withdrawn ({withdrawn.status})")
    for path in (f"/api/v1/learners/{victim['id']}", f"/api/v1/classes/{world['class_id']}/roster.xlsx"):
        leaked = _leaks(trainer.call("GET", path), victim)
        out.check(not leaked, f"after withdrawal {path}: {', '.join(leaked) or 'nothing of theirs'}")
    record = central.call("GET", f"/api/v1/learner-data-access?learner={victim['id']}")
    count = (record.json() or {}).get("count", 0) if record.status == 200 else 0
    out.check(record.status == 200 and count > 0, f"access record: {record.status}, {count} reads of them")
    out.requests = trainer.requests + central.requests
    outcomes.append(out)
    return outcomes


def attack_files(base: str, world: dict) -> Outcome:
    trainer, _ = sign_in(base, "giangvien")
    out = Outcome("2", "hostile XLSX files (each twice at once) while another user reads")
    files = hostile_files()
    results: list[tuple[str, Answer]] = []
    lock = threading.Lock()

    def post(name: str, content: bytes) -> None:
        client = Client(base, trainer.token)
        answer = client.upload(
            f"/api/v1/classes/{world['class_id']}/enrollments/import",
            "hostile.xlsx",
            content,
            {"dry_run": "true"},
        )
        with lock:
            results.append((name, answer))

    threads = [threading.Thread(target=post, args=item) for item in files.items() for _ in range(2)]
    for thread in threads:
        thread.start()
    bystander = Client(base, trainer.token)
    latencies = []
    while any(t.is_alive() for t in threads):
        latencies.append(bystander.call("GET", "/api/v1/me").seconds)
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    for name, answer in sorted(results, key=lambda r: r[0]):
        out.check(
            answer.status in (400, 413) and answer.is_error_shape,
            f"{name} ({len(files[name]):,} bytes): {answer.status} in {answer.seconds:.2f} s",
        )
    worst = max(latencies, default=0)
    out.check(worst < 2.0, f"meanwhile {len(latencies)} reads of /me, slowest {worst:.2f} s")
    out.requests = len(results) + bystander.requests
    return out


def attack_exports(base: str, world: dict) -> list[Outcome]:
    import openpyxl

    learner, _ = sign_in(base, world["learner"])
    trainer, _ = sign_in(base, "giangvien")
    out = Outcome("3", "a learner's phone and name as formulas in the trainer's roster.xlsx")
    answer = learner.call("PATCH", "/api/v1/me/learner", {"phone": '=HYPERLINK("http://x.example","y")'})
    out.check(answer.status in (200, 400), f"set phone answered {answer.status}")
    # A name is not the learner's to change: it comes from a province's file or an admin.
    from enrollment.models import Learner

    Learner.objects.filter(pk=world["learner_id"]).update(full_name='=HYPERLINK("http://x.example","Bấm")')
    sheet = trainer.call("GET", f"/api/v1/classes/{world['class_id']}/roster.xlsx")
    formulas = []
    if sheet.status == 200:
        book = openpyxl.load_workbook(io.BytesIO(sheet.body))
        formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    out.check(
        sheet.status == 200 and not formulas, f"roster.xlsx {sheet.status}, formulas: {formulas or 'none'}"
    )
    out.requests = learner.requests + trainer.requests
    outcome_chars = Outcome("4", "control characters in a phone and in reference names")
    answer = learner.call("PATCH", "/api/v1/me/learner", {"phone": "0912\u000b345678"})
    outcome_chars.check(
        answer.status == 400 and answer.is_error_shape, f"phone with a vertical tab: {answer.status}"
    )
    from courses.models import Commune, Position

    Position.objects.filter(pk__in=Position.objects.order_by("id").values("id")[:3]).update(
        name_vi="Chức\u000bdanh"
    )
    Commune.objects.filter(province__code="19").update(name="Xã\u0007 thử")
    sheet = trainer.call("GET", f"/api/v1/classes/{world['class_id']}/roster.xlsx")
    outcome_chars.check(sheet.status == 200, f"roster.xlsx with such names stored: {sheet.status}")
    central, _ = sign_in(base, "admin")
    for path in (
        "/api/v1/reports/summary/export.xlsx",
        "/api/v1/reports/breakdown/export.xlsx?dimension=position",
    ):
        answer = central.call("GET", path)
        outcome_chars.check(answer.status == 200, f"{path}: {answer.status}")
    outcome_chars.requests = learner.requests + trainer.requests + central.requests - out.requests
    return [out, outcome_chars]


def attack_tokens(base: str, world: dict) -> list[Outcome]:
    out = Outcome("6", "tokens after a password reset")
    learner, tokens = sign_in(base, world["learner"])
    central, _ = sign_in(base, "admin")
    reset = central.call("POST", f"/api/v1/learners/{world['learner_id']}/reset-password")
    out.check(reset.status == 200, f"reset answered {reset.status}")
    refreshed = Client(base).call("POST", "/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})
    out.check(refreshed.status == 401, f"old refresh token: {refreshed.status}")
    answer = learner.call("GET", "/api/v1/me")
    out.check(answer.status == 401, f"old access token: {answer.status}")
    out.requests = learner.requests + central.requests + 1
    throttle = Outcome("6", "60 wrong passwords for one account")
    guesser = Client(base)
    statuses = []
    for attempt in range(60):
        statuses.append(
            guesser.call("POST", "/api/v1/auth/token", {"username": "admin", "password": f"wrong-{attempt}"})
        )
    limited = [a for a in statuses if a.status == 429]
    throttle.check(bool(limited), f"{len(limited)} of 60 answered 429")
    throttle.check(
        bool(limited) and "Retry-After" in limited[0].headers and limited[0].is_error_shape,
        f"Retry-After: {limited[0].headers.get('Retry-After') if limited else None}",
    )
    throttle.requests = guesser.requests
    return [out, throttle]


def attack_parameters(base: str, world: dict) -> Outcome:
    out = Outcome("8", "bad parameters, bodies and hosts")
    central, _ = sign_in(base, "admin")
    paths = [
        "/api/v1/programmes?year=0",
        "/api/v1/programmes?year=-1",
        "/api/v1/programmes?year=10000",
        "/api/v1/programmes?year=12345678901234567890",
        "/api/v1/classes?page=0",
        "/api/v1/classes?page=99999999999999999999",
        "/api/v1/classes/99999999999999999999",
        "/api/v1/sessions?starts_from=2026-01-01T00:00:00%2B19:59",
        "/api/v1/learners?search=%00",
        "/api/v1/reports/summary?year=0",
        "/api/v1/reports/breakdown?dimension=nope",
    ]
    for path in paths:
        answer = central.call("GET", path)
        out.check(
            answer.status < 500 and answer.is_error_shape == (answer.status >= 400),
            f"GET {path}: {answer.status}",
        )
    deep = b'{"phone": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    learner, _ = sign_in(base, world["learner"])
    for name, raw in (
        ("JSON nested 100,000 deep", deep),
        ("a NUL in a field", b'{"phone": "09\\u0000"}'),
        ("a lone surrogate", b'{"phone": "09\\ud800"}'),
    ):
        answer = learner.call(
            "PATCH", "/api/v1/me/learner", raw=raw, headers={"Content-Type": "application/json"}
        )
        out.check(answer.status == 400 and answer.is_error_shape, f"{name}: {answer.status}")
    answer = oversized_post(base, central.token, "/api/v1/attendance/bulk", 60_000_000)
    out.check(answer.status == 413 and answer.is_error_shape, f"a 60 MB body: {answer.status}")
    stranger = Client(base, host="evil.example")
    answer = stranger.call("GET", "/api/v1/programmes")
    out.check(answer.status == 400 and answer.is_error_shape, f"a bad Host header: {answer.status}")
    out.requests = central.requests + learner.requests + stranger.requests
    return out


def attack_level(base: str, world: dict) -> Outcome:
    out = Outcome("9", "a provincial admin's class counted as central")
    admin, _ = sign_in(base, "sonoivu-thainguyen")
    existing = admin.call("GET", f"/api/v1/classes/{world['class_id']}").json() or {}
    institutions = (admin.call("GET", "/api/v1/institutions?page_size=50").json() or {}).get("results", [])
    central_institution = next((i["id"] for i in institutions if i.get("province") is None), None)
    created = admin.call(
        "POST",
        "/api/v1/classes",
        {
            "code": "ATTACK-LEVEL-" + secrets.token_hex(3),
            "title": "Lớp trung ương giả",
            "curriculum_id": (existing.get("curriculum") or {}).get("id"),
            "province_id": (existing.get("province") or {}).get("id"),
            "institution_id": central_institution,
            "mode": "online",
            "level": "central",
            "start_date": "2026-12-20",
            "end_date": "2026-12-30",
        },
    )
    stored = created.json() or {}
    out.check(
        created.status >= 400 or stored.get("level") != "central",
        f"create with level=central: {created.status}, stored level {stored.get('level')}",
    )
    patched = admin.call("PATCH", f"/api/v1/classes/{world['class_id']}", {"level": "central"})
    level = (admin.call("GET", f"/api/v1/classes/{world['class_id']}").json() or {}).get("level")
    out.check(level != "central", f"update to level=central: {patched.status}, level now {level}")
    out.requests = admin.requests
    return out


def attack_outage(base: str, world: dict, redis_process) -> tuple[Outcome, object]:
    from enrollment.models import Attendance, StaleClass

    out = Outcome("7", "writes while Redis is down, and a lone surrogate in external_id")
    trainer, _ = sign_in(base, "giangvien")
    central, _ = sign_in(base, "admin")
    harness.stop(redis_process, grace=5)
    record = {
        "session": world["session_id"],
        "enrollment": world["enrollment_id"],
        "status": "absent",
        "minutes": 0,
    }
    answer = trainer.call("POST", "/api/v1/attendance/bulk", {"records": [record]})
    out.check(answer.status == 200, f"bulk attendance with Redis down: {answer.status}")
    stored = Attendance.objects.filter(
        session_id=world["session_id"], enrollment_id=world["enrollment_id"]
    ).first()
    out.check(stored is not None and stored.status == "absent", "the record is stored")
    marked = StaleClass.objects.filter(training_class_id=world["class_id"]).exists()
    out.check(marked, "its class is left marked stale for reconcile")
    answer = central.call("GET", "/api/v1/reports/summary")
    out.check(answer.status == 200, f"a report with Redis down: {answer.status}")
    signing_in = Client(base)
    answer = signing_in.call("POST", "/api/v1/auth/token", {"username": "giangvien", "password": PASSWORD})
    out.check(
        answer.status in (200, 503) and answer.status != 500, f"a sign-in with Redis down: {answer.status}"
    )
    answer = trainer.call(
        "POST",
        "/api/v1/attendance/bulk",
        raw=b'{"records": [{"session": %d, "enrollment": %d, "status": "present", "external_id": "x\\ud800"}]}'
        % (world["session_id"], world["enrollment_id"]),
        headers={"Content-Type": "application/json"},
    )
    out.check(
        answer.status == 400 and answer.is_error_shape, f"a lone surrogate in external_id: {answer.status}"
    )
    redis_process = start_redis()
    out.requests = trainer.requests + central.requests + signing_in.requests
    return out, redis_process


def attack_deactivated(base: str, world: dict) -> Outcome:
    from courses.models import User

    out = Outcome("10", "an admin deactivated with QuerySet.update reads a cached report")
    central, _ = sign_in(base, "sonoivu-hanoi")
    first = central.call("GET", "/api/v1/reports/summary")
    second = central.call("GET", "/api/v1/reports/summary")
    out.check(
        first.status == 200 and second.status == 200, f"reads while active: {first.status}, {second.status}"
    )
    User.objects.filter(username="sonoivu-hanoi").update(is_active=False)
    after = central.call("GET", "/api/v1/reports/summary")
    out.check(after.status == 401, f"at once after the deactivation: {after.status}")
    User.objects.filter(username="sonoivu-hanoi").update(is_active=True)
    out.requests = central.requests
    return out


def main() -> int:
    harness.check_postgres(ADMIN_URL)
    env = environment()
    try:
        redis_process = start_redis()
        world, _worker = set_up(env)
        base = start_gunicorn(env)
        log(f"gunicorn (production settings) on {base}")
        outcomes: list[Outcome] = []
        outcomes += attack_personal_data(base, world)
        outcomes.append(attack_files(base, world))
        outcomes += attack_exports(base, world)
        outcomes.append(attack_parameters(base, world))
        outcomes.append(attack_level(base, world))
        outcomes.append(attack_deactivated(base, world))
        outage, redis_process = attack_outage(base, world, redis_process)
        outcomes.append(outage)
        # Last: it changes a password and locks an account out.
        outcomes += attack_tokens(base, world)
    except BenchError as error:
        print(f"set-up failed: {error}", file=sys.stderr)
        return 2
    finally:
        harness.stop_all()
    print()
    for outcome in outcomes:
        print(
            f"[{'held' if outcome.held else 'BROKEN'}] finding {outcome.finding}: {outcome.attack} ({outcome.requests} requests)"
        )
        for line in outcome.seen:
            print(f"    {line}")
    held = sum(o.held for o in outcomes)
    total_requests = sum(o.requests for o in outcomes)
    print(f"\n{held} of {len(outcomes)} attacks held, {total_requests} requests")
    return 0 if held == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
