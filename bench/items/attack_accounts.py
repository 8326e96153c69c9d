"""Findings 6 and 10 of issue 10: tokens after a password reset, a burst of wrong passwords, and
an admin deactivated with QuerySet.update reading a cached report."""

from __future__ import annotations

from bench.harness.attack_client import Client, Outcome, sign_in


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
