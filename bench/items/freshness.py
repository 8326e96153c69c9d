"""Item 3: freshness. A session of `learners` learners posted to a finished class of the plan
(sessions 1-3 attended, 60%: the fourth makes 80%), then the national report polled until it counts
them; p95 over repeats on classes of different provinces."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from bench.harness.basics import BenchError, log
from bench.harness.http_calls import post_batches
from bench.harness.load import percentile

if TYPE_CHECKING:
    from bench.harness.run_context import Run


def measure(run: Run) -> None:
    """Each freshness class's fourth session posted, then the national summary polled until it counts them."""
    token = run.token()
    programme = run.programme_id()
    path = f"/api/v1/reports/summary?programme={programme}"

    def achieved(conn) -> int:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise BenchError(f"GET {path} answered {response.status}: {data[:300]!r}")
        return json.loads(data)["total"]["achieved_luot"]

    import http.client

    poll = http.client.HTTPConnection("127.0.0.1", run.gunicorn.port, timeout=30)
    rows = []
    run.wait_idle()
    for training_class, sessions, enrolments in run.fixtures.fresh:
        before = achieved(poll)
        records = [{"session": sessions[3].pk, "enrollment": e.pk, "status": "present"} for e in enrolments]
        body = json.dumps({"records": records}).encode()
        posted_at = time.perf_counter()
        elapsed, answers = post_batches(run.gunicorn.port, "/api/v1/attendance/bulk", [body], token, 1)
        (status, data), _latency = answers[0]
        if status != 200:
            raise BenchError(f"the bulk endpoint answered {status}: {data[:300]!r}")
        answered_at = time.perf_counter()
        expected = before + len(enrolments)
        seen = before
        polls = 0
        deadline = answered_at + 120
        while seen < expected and time.perf_counter() < deadline:
            seen = achieved(poll)
            polls += 1
            if seen < expected:
                time.sleep(0.02)
        visible_at = time.perf_counter()
        if seen < expected:
            raise BenchError(f"the report did not show class {training_class.code} within 120 s")
        rows.append(
            {
                "class": training_class.code,
                "province_id": training_class.province_id,
                "post_s": round(answered_at - posted_at, 3),
                "fresh_s": round(visible_at - answered_at, 3),
                "end_to_end_s": round(visible_at - posted_at, 3),
                "polls": polls,
                "achieved_before": before,
                "achieved_after": seen,
            }
        )
        log(
            f"  {training_class.code}: posted in {rows[-1]['post_s']} s, visible {rows[-1]['fresh_s']} s later"
        )
        run.wait_idle()
    poll.close()
    fresh = [row["fresh_s"] for row in rows]
    p95 = percentile(fresh, 95)
    run.figure(
        3,
        f"freshness: {run.args.learners:,}-learner session posted -> national report shows it, p95 of {len(rows)}",
        p95,
        "s",
        reference=percentile([row["post_s"] for row in rows], 95),
        reference_name="p95 of the POST itself",
        ratio=None,
        target="p95 < 2 s",
        met=p95 < 2,
        p50_s=percentile(fresh, 50),
        max_s=max(fresh),
        end_to_end_p95_s=percentile([row["end_to_end_s"] for row in rows], 95),
    )
    run.details["freshness"] = rows
