"""The models of reporting, by subdomain; every model is imported here (Django finds them here).

The completion rule the figures follow lives in enrollment (enrollment.models.CompletionRule).
"""

from .certificates import Certificate
from .closes import PeriodClose
from .progress import ClassProgress, EnrollmentProgress, Outcome
from .rollups import (
    ALL_LEVELS,
    ALL_YEARS,
    CLASS_DIMENSIONS,
    LEARNER_DIMENSIONS,
    Dimension,
    GenerationStatus,
    ProgressRollup,
    RollupGeneration,
)
from .stale import ClaimKind, StaleClaim, StaleRollup
from .targets import TARGET_FIGURES, AllocationScope, Baseline, RevisionAction, Target, TargetRevision

__all__ = [
    "ALL_LEVELS",
    "ALL_YEARS",
    "TARGET_FIGURES",
    "AllocationScope",
    "RevisionAction",
    "TargetRevision",
    "CLASS_DIMENSIONS",
    "LEARNER_DIMENSIONS",
    "Baseline",
    "Certificate",
    "ClaimKind",
    "ClassProgress",
    "Dimension",
    "EnrollmentProgress",
    "GenerationStatus",
    "Outcome",
    "PeriodClose",
    "ProgressRollup",
    "RollupGeneration",
    "StaleClaim",
    "StaleRollup",
    "Target",
]
