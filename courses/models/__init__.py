from courses.core.accounts import Role, User

from .catalogue import Curriculum, CurriculumStatus, Material, MaterialKind, Topic
from .classes import (
    CLASS_STATUS_FLOW,
    ClassMode,
    ClassSession,
    ClassStatus,
    InstitutionKind,
    TrainingClass,
    TrainingInstitution,
)
from .column_mappings import ColumnMapping, MappingKind
from .geography import AreaType, Commune, Province, Region
from .jobs import ImportJob, ImportKind, ImportStatus
from .positions import Position, PositionCategory
from .programmes import Level, Programme
from .vocabulary import Alias, AliasKind

__all__ = [
    "Alias",
    "AliasKind",
    "CLASS_STATUS_FLOW",
    "ClassMode",
    "ClassSession",
    "ClassStatus",
    "InstitutionKind",
    "TrainingClass",
    "TrainingInstitution",
    "AreaType",
    "ColumnMapping",
    "Commune",
    "Curriculum",
    "CurriculumStatus",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "Level",
    "Material",
    "MappingKind",
    "MaterialKind",
    "Position",
    "PositionCategory",
    "Programme",
    "Province",
    "Region",
    "Role",
    "Topic",
    "User",
]
