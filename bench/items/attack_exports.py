"""Findings 3 and 4 of issue 10: formulas and control characters in what exports write (a
learner's phone and name in the trainer's roster.xlsx, reference names in the reports)."""

from __future__ import annotations

import io

from bench.harness.attack_client import Outcome, sign_in


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
    # The demo's period, named: the default is the period running today (2026-2030, empty).
    from courses.models import Programme

    plan = Programme.objects.get(code="ke-hoach-2021-2025").pk
    for path in (
        f"/api/v1/reports/summary/export.xlsx?programme={plan}",
        f"/api/v1/reports/breakdown/export.xlsx?dimension=position&programme={plan}",
    ):
        answer = central.call("GET", path)
        outcome_chars.check(answer.status == 200, f"{path}: {answer.status}")
    outcome_chars.requests = learner.requests + trainer.requests + central.requests - out.requests
    return [out, outcome_chars]
