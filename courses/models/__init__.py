from .accounts import Role, User
from .catalogue import Curriculum, CurriculumStatus, Material, MaterialKind, Topic
from .geography import AreaType, Commune, Province, Region
from .jobs import ImportJob, ImportKind, ImportStatus
from .positions import Position, PositionCategory
from .programmes import Level, Programme

__all__ = [
    "AreaType",
    "Commune",
    "Curriculum",
    "CurriculumStatus",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "Level",
    "Material",
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
