"""Beside item 2, where the job's time goes: the province task's own service function, for the
province with most enrolments, every statement timed by kind (written to the JSON's details)."""

from __future__ import annotations

import time


def rebuild_breakdown() -> dict:
    """Where the job's time goes: the same service function the province task runs, for the
    province with most enrolments, in this process with every statement timed; rolled back."""
    from collections import defaultdict

    from django.db import connection, transaction

    from reporting.services.rebuilds import province_progress_rebuild
    from reporting.services.rollups import rollup_generation_start

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT COALESCE(p.successor_id, p.id), count(*) FROM enrollment_enrollment e
               JOIN courses_trainingclass c ON c.id = e.training_class_id
               JOIN courses_province p ON p.id = c.province_id GROUP BY 1 ORDER BY 2 DESC LIMIT 1"""
        )
        province_id, enrolments = cursor.fetchone()
    spent: dict[str, float] = defaultdict(float)

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[statement_kind(sql)] += time.perf_counter() - started

    class Rollback(Exception):
        pass

    started = time.perf_counter()
    try:
        with connection.execute_wrapper(timer), transaction.atomic():
            generation = rollup_generation_start(reason="bench breakdown")
            province_progress_rebuild(province_id=province_id, generation_id=generation.pk)
            total = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    statements = sorted(spent.items(), key=lambda kv: -kv[1])
    return {
        "province_id": province_id,
        "enrolments": enrolments,
        "seconds": round(total, 3),
        "statements": {kind: round(seconds, 3) for kind, seconds in statements},
    }


def statement_kind(sql: str) -> str:
    text = " ".join(sql.split())
    if text.startswith("WITH scope_classes"):
        text = (
            text[text.find(") ", text.find("scope_classes AS (") + 18) + 2 :] if ") INSERT" in text else text
        )
        index = text.find("INSERT INTO")
        text = text[index:] if index >= 0 else text
    if text.startswith("INSERT INTO reporting_progressrollup"):
        return (
            "INSERT rollup rows ("
            + ("learner dimensions" if "courses_position" in text else "class dimensions")
            + ")"
        )
    words = text.split()
    head = " ".join(words[:3]) if words and words[0] in ("INSERT", "DELETE") else " ".join(words[:2])
    return head.replace('"', "")
