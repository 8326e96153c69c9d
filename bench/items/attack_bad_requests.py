"""Findings 8 and 9 of issue 10: bad parameters, bodies and Host headers answered as client errors
in the JSON error shape; a provincial admin's class counted as central."""

from __future__ import annotations

import secrets

from bench.harness.attack_client import Client, Outcome, oversized_post, sign_in


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
