"""Reads for programmes, targets, baselines and progress figures: querysets ready for the API."""

from __future__ import annotations

import re

from django.db.models import Count, Max, Min, Q, QuerySet, Subquery

from courses.core.text import fold, has_control_characters
from courses.models import Programme
from enrollment.models import CompletionRule, StaleClass
from enrollment.rules import completion
from reporting.models import (
    Baseline,
    Certificate,
    EnrollmentProgress,
    GenerationStatus,
    ProgressRollup,
    RollupGeneration,
    StaleRollup,
    Target,
)


def programme_list() -> QuerySet[Programme]:
    return Programme.objects.select_related("close")


def target_list(user) -> QuerySet[Target]:
    """National targets for anyone signed in; a province's targets (its allocation) only for the
    central admins and that province's admin, as the allocations' API has them
    (reporting.selectors.allocations)."""
    from courses.core.permissions import scope_by_province

    targets = Target.objects.select_related("programme", "province", "curriculum", "position")
    provincial = scope_by_province(targets.filter(province__isnull=False), user, "province")
    return targets.filter(Q(province__isnull=True) | Q(pk__in=provincial.values("pk")))


def baseline_list() -> QuerySet[Baseline]:
    return Baseline.objects.select_related("programme", "province")


def in_province(queryset: QuerySet, province_id: int) -> QuerySet:
    """Rows of a province, counting the legacy provinces merged into it: targets set for Bắc Kạn
    (06) before July 2025 show under Thái Nguyên (19)."""
    return queryset.filter(Q(province_id=province_id) | Q(province__successor_id=province_id))


def target_scope_taken(*, programme, level, province, curriculum, position, year, exclude_pk=None) -> bool:
    """Whether another target already covers this scope; an empty part of the scope means "any"
    and collides only with another empty one, as the database constraint has it."""
    targets = Target.objects.filter(
        programme=programme,
        level=level,
        province=province,
        curriculum=curriculum,
        position=position,
        year=year,
    )
    return targets.exclude(pk=exclude_pk).exists()


def baseline_scope_taken(*, programme, level, province, exclude_pk=None) -> bool:
    baselines = Baseline.objects.filter(programme=programme, level=level, province=province)
    return baselines.exclude(pk=exclude_pk).exists()


def programme_levels_in_use(programme: Programme) -> set[str]:
    return set(programme.targets.values_list("level", flat=True))


# --- progress figures (issue 4) ----------------------------------------------------------------


def rollup_live_generation_id():
    """The live generation's id as a subquery: filtering on it keeps a report's read to one
    statement, so a publish between two reads can never mix two generations."""
    return Subquery(RollupGeneration.objects.filter(status=GenerationStatus.LIVE).values("pk")[:1])


def rollup_rows(**filters) -> QuerySet[ProgressRollup]:
    """Rows of the live generation, e.g. rollup_rows(programme_id=p, level="", year=0,
    scope_province=None, dimension="current_province") for the 34 provinces nationally."""
    return ProgressRollup.objects.filter(generation_id=rollup_live_generation_id(), **filters)


def rollup_freshness() -> dict:
    """When the figures were computed, and what is still waiting to be recomputed."""
    live = RollupGeneration.objects.filter(status=GenerationStatus.LIVE).first()
    rows = rollup_rows().aggregate(oldest=Min("computed_at"), newest=Max("computed_at"))
    stale = StaleClass.objects.aggregate(count=Count("pk"), oldest=Min("marked_at"))
    return {
        "generation": live.pk if live else None,
        "published_at": live.published_at if live else None,
        "oldest_computed_at": rows["oldest"],
        "newest_computed_at": rows["newest"],
        "classes_waiting": stale["count"],
        "oldest_waiting_since": stale["oldest"],
        "rollups_waiting": StaleRollup.objects.count(),
        "rebuilding": RollupGeneration.objects.filter(status=GenerationStatus.BUILDING).exists(),
    }


def completion_rule_for(programme_id: int | None) -> CompletionRule:
    """The rule governing a programme's classes (enrollment.rules.completion, the one place it is read)."""
    return completion.completion_rule_for(programme_id)


def enrollment_progress_of_user(user) -> QuerySet[EnrollmentProgress]:
    """The learner's enrolments' figures, each with the percentage its class's rule asks for."""
    required = completion.rule_annotations("training_class__programme_id")["rule_min_attendance_percent"]
    return (
        EnrollmentProgress.objects.filter(enrollment__learner__user=user)
        .select_related("training_class", "training_class__curriculum")
        .annotate(required_percent=required)
        .order_by("-training_class__start_date", "enrollment_id")
    )


def certificates_of_user(user) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(enrollment__learner__user=user, revoked_at__isnull=True)
        .select_related("enrollment__training_class__curriculum")
        .order_by("-issued_at", "-id")
    )


def certificate_of_user(user, pk: int) -> Certificate | None:
    """One of the learner's valid certificates (certificates_of_user), with what its PDF prints:
    someone else's, a revoked or an unknown one all give nothing."""
    return (
        certificates_of_user(user)
        .select_related(
            "enrollment__learner",
            "enrollment__training_class__institution",
            "enrollment__training_class__organiser_province",
            "enrollment__training_class__province",
        )
        .filter(pk=pk)
        .first()
    )


# A verification code as issued (reporting.services.sql.random_token_sql): 32 hex characters. Any
# other text (too long, a NUL PostgreSQL refuses, letters of another script) is no code at all.
VERIFICATION_CODE = re.compile(r"[0-9a-f]{32}")

_VERIFIED = ("enrollment__learner", "enrollment__training_class__curriculum")


def certificate_by_code(code: str) -> Certificate | None:
    """A certificate by its verification code, valid or revoked (its `is_valid` tells which):
    the public verification page says "revoked" where the API's answer stays a 404."""
    code = code.strip().lower()
    if not VERIFICATION_CODE.fullmatch(code):
        return None
    return Certificate.objects.filter(verification_code=code).select_related(*_VERIFIED).first()


def certificate_to_verify(code: str) -> Certificate | None:
    """A valid certificate by its verification code; revoked or unknown codes give nothing."""
    certificate = certificate_by_code(code)
    return certificate if certificate is not None and certificate.is_valid else None


def certificate_by_number(number: str, learner_name: str) -> Certificate | None:
    """A certificate, valid or revoked, by its printed number, if it was issued to the name given with it.

    Numbers count up (GCN-<year>-<id>): alone they would let anyone walk through them and collect
    the name and class of every certified learner, which a verification code (122 random bits)
    does not allow. With the holder's name as printed (diacritics, case and spacing aside) the
    answer only confirms what the asker already holds. A wrong name and an unknown number both
    give nothing, alike.
    """
    if has_control_characters(number) or not fold(learner_name):
        return None
    certificate = Certificate.objects.filter(number=number.strip().upper()).select_related(*_VERIFIED).first()
    if certificate is None or fold(learner_name) != fold(certificate.enrollment.learner.full_name):
        return None
    return certificate


def certificate_to_verify_by_number(number: str, learner_name: str) -> Certificate | None:
    """A valid certificate by its printed number and its holder's name (certificate_by_number);
    a revoked one gives nothing, as an unknown number or a wrong name do."""
    certificate = certificate_by_number(number, learner_name)
    return certificate if certificate is not None and certificate.is_valid else None
