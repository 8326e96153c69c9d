from .accounts import Role, User
from .catalogue import Curriculum, CurriculumStatus, Material, MaterialKind, Topic
from .geography import AreaType, Commune, Province, Region
from .positions import Position, PositionCategory
from .programmes import Level, Programme

__all__ = [
    "AreaType",
    "Commune",
    "Curriculum",
    "CurriculumStatus",
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
