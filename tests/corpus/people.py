"""Made-up commune officials, with identification numbers of valid structure (province of birth,
sex and century digit, birth year) so the checks on them pass unless a test breaks them."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lò",
    "Hà",
]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân"]
MIDDLE_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Mai"]
GIVEN_MALE = ["Nam", "Hùng", "Dũng", "Tuấn", "Ước", "Khải", "Thắng", "Lực", "Quyết", "Bình"]
GIVEN_FEMALE = ["Nhung", "Hương", "Lan", "Mỷ", "Huyền", "Thủy", "Yến", "Ngân", "Loan", "Trang"]


@dataclass(frozen=True)
class Person:
    full_name: str
    national_id: str
    gender: str  # "Nam" or "Nữ", as lists write it
    born: datetime.date
    email: str

    @property
    def family_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[0]

    @property
    def given_name(self) -> str:
        return self.full_name.rsplit(" ", 1)[1]


def national_id_for(*, birth_province: int, female: bool, born: datetime.date, serial: int) -> str:
    """PPP G YY NNNNNN: province of birth, sex and century (0/1 1900s, 2/3 2000s), year, serial."""
    century = 0 if born.year < 2000 else 2
    return f"{birth_province:03d}{century + int(female)}{born.year % 100:02d}{serial:06d}"


def people(count: int, *, seed: int = 12, birth_province: int = 19) -> list[Person]:
    """`count` distinct people, the same ones for the same seed."""
    rng = random.Random(seed)
    made: list[Person] = []
    names: set[str] = set()
    while len(made) < count:
        female = rng.random() < 0.45
        name = " ".join(
            (
                rng.choice(FAMILY),
                rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                rng.choice(GIVEN_FEMALE if female else GIVEN_MALE),
            )
        )
        if name in names and count <= 500:
            continue
        names.add(name)
        born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 35))
        serial = len(made) + 1
        made.append(
            Person(
                full_name=name,
                national_id=national_id_for(
                    birth_province=birth_province, female=female, born=born, serial=serial
                ),
                gender="Nữ" if female else "Nam",
                born=born,
                email=f"hv{serial:05d}@xa.example.vn",
            )
        )
    return made
