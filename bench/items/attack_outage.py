"""Finding 7 of issue 10: writes while Redis is down (stopped, then started again), and a lone
surrogate in external_id."""

from __future__ import annotations

from bench.harness.attack_client import PASSWORD, Client, Outcome, sign_in
from bench.harness.attack_world import start_redis
from bench.harness.processes import stop


def attack_outage(base: str, world: dict, redis_process) -> tuple[Outcome, object]:
    from enrollment.models import Attendance, StaleClass

    out = Outcome("7", "writes while Redis is down, and a lone surrogate in external_id")
    trainer, _ = sign_in(base, "giangvien")
    central, _ = sign_in(base, "admin")
    stop(redis_process, grace=5)
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
