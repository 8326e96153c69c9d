"""Finding 1 of issue 10, personal data: a trainer, then a provincial admin through a draft class,
enrol another province's learner to read them; a withdrawn enrolment grants nothing, and reads
are recorded."""

from __future__ import annotations

import secrets

from bench.harness.attack_client import Answer, Outcome, sign_in


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
