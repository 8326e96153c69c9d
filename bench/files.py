"""Issue 12's benchmark: reading the files people send, at the size they come in.

    make bench-files            (or .venv/bin/python bench/files.py)

1. a province's roster of 20,000 learners, in the official layout (title block, headings on two
   merged rows, birth dates under Nam/Nữ, signatures below) as .xlsx: the dry run of its import,
   as the worker runs it (the file read and every row checked against the reference data and the
   learners stored), target under 5 s;
2. a Microsoft Teams attendance report of 10,000 join rows (UTF-16, tab-separated, in sections)
   for one session: the dry run of the upload (read, matched to the class's enrolments, minutes
   derived), target under 3 s.

Each is run in a fresh child process, so its peak RSS (the target is under 200 MB) is the step's
own: Django, the file and the work, nothing left from another step. The files are built from the
made-up people of tests/corpus. Against PostgreSQL (database cadre_bench_files, made and loaded
with the reference data once, then kept); prints a table and writes bench/results/files-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import BenchError, log  # noqa: E402

RESULTS = harness.ROOT / "bench" / "results"
DB_NAME = "cadre_bench_files"
CLASS_CODE = "BENCH-FILES"
TARGETS = {"roster": (5.0, 200.0), "teams": (3.0, 200.0)}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the steps, each run in a child process --------------------------------------------------------


def _django():
    import django

    django.setup()


def _bench_class(learners: int):
    """A provincial online class of Thái Nguyên with a trainer and a session; `learners` of the
    corpus's people enrolled (the roster step enrols nobody: a dry run)."""
    import datetime

    from django.utils import timezone

    from courses.models import ClassMode, ClassSession, Province, Role, TrainingClass, User

    province = Province.objects.current().get(code="19")
    trainer, _ = User.objects.get_or_create(
        username="bench-files-trainer", defaults={"role": Role.TRAINER, "province": province}
    )
    training_class = TrainingClass.objects.filter(code=CLASS_CODE).first()
    if training_class is None:
        from tests.factories import TrainingClassFactory

        training_class = TrainingClassFactory(
            code=CLASS_CODE, province=province, mode=ClassMode.ONLINE, capacity=25_000, trainers=[trainer]
        )
    session = ClassSession.objects.filter(training_class=training_class).first()
    if session is None:
        start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) - datetime.timedelta(
            days=1
        )
        session = ClassSession.objects.create(
            training_class=training_class,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=3),
            planned_minutes=180,
        )
    return trainer, training_class, session


def build_roster(rows: int) -> bytes:
    from tests.corpus.people import people
    from tests.corpus.rosters import official_xlsx

    return official_xlsx(people(rows, seed=2026)).content


def step_roster(rows: int, content: bytes) -> dict:
    _django()
    from courses.models import ImportJob, ImportKind
    from courses.services.catalogue import import_job_run

    trainer, training_class, _session = _bench_class(0)
    job = ImportJob.objects.create(
        kind=ImportKind.ENROLMENT,
        dry_run=True,
        file_name="danh-sach-hoc-vien.xlsx",
        file_content=content,
        created_by=trainer,
        total_rows=rows,
        params={"class_id": training_class.pk},
    )
    started = time.perf_counter()
    job = import_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    report = job.report or {}
    ImportJob.objects.filter(pk=job.pk).delete()
    if report.get("errors"):
        raise BenchError(f"the roster's dry run found errors: {report['errors'][:3]}")
    return {
        "rows": rows,
        "file_bytes": len(content),
        "seconds": seconds,
        "checked": len(report.get("items", [])),
    }


TEAMS_DAY = (2026, 9, 1)  # the bench session: 08:00-10:00 that day, Vietnam's time


def _teams_class(learners: int):
    """The bench class with `learners` of the corpus's people enrolled (by the roster import itself,
    once; kept for later runs) and a session on TEAMS_DAY."""
    import datetime
    from zoneinfo import ZoneInfo

    from courses.models import ClassSession, ImportJob, ImportKind
    from courses.services.catalogue import import_job_run
    from enrollment.models import Enrollment
    from tests.corpus.people import people
    from tests.corpus.rosters import official_xlsx

    trainer, training_class, _session = _bench_class(learners)
    persons = people(learners, seed=2027)
    if Enrollment.objects.filter(training_class=training_class).count() < learners:
        roster = official_xlsx(persons)
        job = ImportJob.objects.create(
            kind=ImportKind.ENROLMENT,
            dry_run=False,
            file_name=roster.name,
            file_content=roster.content,
            created_by=trainer,
            total_rows=learners,
            params={"class_id": training_class.pk},
        )
        job = import_job_run(job_id=job.pk)
        if (job.report or {}).get("errors"):
            raise BenchError(f"enrolling the Teams learners failed: {job.report['errors'][:3]}")
    # The official layout has no email column; Teams identifies people by email (their names repeat
    # among thousands), so the learners get the email their account has in the report.
    from enrollment.models import Learner

    emails = {p.national_id: p.email for p in persons}
    missing = list(Learner.objects.filter(national_id__in=emails, email="").only("pk", "national_id"))
    for learner in missing:
        learner.email = emails[learner.national_id]
    Learner.objects.bulk_update(missing, ["email"], batch_size=1000)
    local = ZoneInfo("Asia/Ho_Chi_Minh")
    start = datetime.datetime(*TEAMS_DAY, 8, 0, tzinfo=local)
    session, _ = ClassSession.objects.get_or_create(
        training_class=training_class,
        starts_at=start,
        defaults={"ends_at": start + datetime.timedelta(hours=2), "planned_minutes": 120},
    )
    return trainer, session, persons


def build_teams(rows: int) -> bytes:
    """A Teams report of `rows` join rows: half as many learners, each joining twice."""
    import datetime

    from tests.corpus.people import people
    from tests.corpus.platforms import Attendee, Meeting, at, teams_csv

    day = datetime.date(*TEAMS_DAY)
    attendees = []
    for n, person in enumerate(people(rows // 2, seed=2027)):
        first = at(day, "07:55") + datetime.timedelta(seconds=n % 600)
        back = first + datetime.timedelta(minutes=55)
        joins = [(first, first + datetime.timedelta(minutes=50)), (back, at(day, "10:01"))]
        attendees.append(Attendee(person.full_name, person.email, joins))
    host = Attendee(
        "Phạm Thị Hoa", "hoa.gv@truong.example.vn", [(at(day, "07:50"), at(day, "10:05"))], role="Organizer"
    )
    return teams_csv(Meeting("Bồi dưỡng cán bộ xã", at(day, "08:00"), at(day, "10:00"), host), attendees)


def step_teams(rows: int, content: bytes) -> dict:
    _django()
    from enrollment.services.attendance_platform import attendance_platform_report_import

    trainer, session, _persons = _teams_class(rows // 2)
    started = time.perf_counter()
    outcome = attendance_platform_report_import(
        session=session, content=content, filename="Attendance report.csv", actor=trainer, dry_run=True
    )
    seconds = time.perf_counter() - started
    if outcome.unmatched:
        raise BenchError(f"{len(outcome.unmatched)} rows of the Teams report matched nobody")
    return {"rows": rows, "file_bytes": len(content), "seconds": seconds, "checked": len(outcome.learners)}


STEPS = {"roster": step_roster, "teams": step_teams}
BUILDERS = {"roster": build_roster, "teams": build_teams}


# --- the runner ------------------------------------------------------------------------------------


def run_step(name: str, size: int, env: dict) -> dict:
    """Build the file here, then read it in a child process of its own (its peak RSS is the step's)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"files-{name}-{size}.bin"
    path.write_bytes(BUILDERS[name](size))
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--step",
            name,
            "--size",
            str(size),
            "--file",
            str(path),
        ],
        cwd=harness.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    path.unlink()
    if completed.returncode != 0:
        raise BenchError(f"step {name} failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--roster-rows", type=int, default=20_000)
    parser.add_argument("--teams-rows", type=int, default=10_000)
    parser.add_argument("--only", help="comma-separated steps (roster, teams)")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args(argv)

    if args.step:
        result = STEPS[args.step](args.size, Path(args.file).read_bytes())
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return 0

    try:
        harness.check_postgres(args.admin_url)
        url = harness.database_url(args.admin_url, DB_NAME)
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": url,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": str(harness.ROOT),
            "LOG_LEVEL": "WARNING",
        }
        with harness.sql_connect(args.admin_url) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
                log(f"creating database {DB_NAME} with the reference data")
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        harness.manage(["migrate", "--noinput"], env=env, timeout=600)
        harness.manage(["load_reference_data"], env=env, timeout=900)
        wanted = set(args.only.split(",")) if args.only else set(STEPS)
        sizes = {"roster": args.roster_rows, "teams": args.teams_rows}
        figures = []
        for name in [s for s in STEPS if s in wanted]:
            log(f"{name}: {sizes[name]:,} rows")
            result = run_step(name, sizes[name], env)
            seconds_target, rss_target = TARGETS[name]
            result.update(
                step=name,
                seconds_target=seconds_target,
                rss_target_mb=rss_target,
                met=result["seconds"] < seconds_target and result["peak_rss_mb"] < rss_target,
            )
            figures.append(result)
    except BenchError as error:
        log(str(error))
        return 2
    print()
    print(f"{'step':8} {'rows':>8} {'seconds':>8} {'target':>7} {'peak RSS':>9} {'target':>7}  met")
    for f in figures:
        print(
            f"{f['step']:8} {f['rows']:>8,} {f['seconds']:>8.2f} {f['seconds_target']:>6.0f}s "
            f"{f['peak_rss_mb']:>7.1f}MB {f['rss_target_mb']:>5.0f}MB  {'yes' if f['met'] else 'NO'}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"files-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"
    out.write_text(json.dumps({"machine": harness_machine(), "figures": figures}, indent=2))
    log(f"written {out.relative_to(harness.ROOT)}")
    return 0


def harness_machine() -> dict:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0]}


if __name__ == "__main__":
    sys.exit(main())
