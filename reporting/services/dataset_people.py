"""The generated learners: Vietnamese names, 12-digit identification numbers, and the real mix of
positions and ethnic minorities (reporting.services.dataset, and the demo's smaller set)."""

from __future__ import annotations

import datetime
import random

from courses.models import (
    Province,
)

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Hà",
    "Đinh",
    "Lương",
    "Triệu",
]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Xuân"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thanh", "Thu", "Minh", "Hồng", "Kim"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Khang",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Vinh",
]
GIVEN_FEMALE = [
    "Anh",
    "Giang",
    "Hà",
    "Hạnh",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Nhung",
    "Phương",
    "Thảo",
    "Trang",
    "Vân",
    "Yến",
]
MINORITIES = ["Tày", "Thái", "Mường", "Khmer", "Mông", "Nùng", "Dao", "Gia Rai", "Ê Đê", "Ba Na"]
# Provinces where most commune officials belong to an ethnic minority (mountain provinces).
MOUNTAIN_CODES = {"04", "08", "10", "11", "12", "14", "20", "19", "66", "64", "68"}
# The real mix: elected cán bộ, appointed công chức and part-time workers, weighted by how many
# hold each title in a commune.
POSITION_WEIGHTS = {
    "bi-thu-dang-uy": 3,
    "pho-bi-thu-dang-uy": 3,
    "chu-tich-hdnd": 2,
    "pho-chu-tich-hdnd": 3,
    "chu-tich-ubnd": 3,
    "pho-chu-tich-ubnd": 5,
    "chu-tich-mttq": 3,
    "bi-thu-doan": 3,
    "chu-tich-hoi-phu-nu": 3,
    "chu-tich-hoi-nong-dan": 3,
    "chu-tich-hoi-cuu-chien-binh": 3,
    "chi-huy-truong-quan-su": 3,
    "van-phong-thong-ke": 6,
    "dia-chinh-xay-dung": 6,
    "tai-chinh-ke-toan": 5,
    "tu-phap-ho-tich": 5,
    "van-hoa-xa-hoi": 5,
    "khong-chuyen-trach": 12,
    "dai-bieu-hdnd": 2,
    "vien-chuc": 2,
}


def pick_weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


class DatasetPeople:
    """Generates learners with users, 12-digit ids and realistic attributes."""

    def __init__(self, rng: random.Random, positions: dict[str, int], communes: dict[int, list[int]]):
        self.rng = rng
        self.positions = positions
        self.communes = communes
        self.serial = 0

    def make(self, current_province: Province) -> dict:
        rng = self.rng
        self.serial += 1
        female = rng.random() < 0.42
        gender = "female" if female else "male"
        name = " ".join(
            [
                rng.choice(FAMILY),
                rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                rng.choice(GIVEN_FEMALE if female else GIVEN_MALE),
            ]
        )
        birth_year = rng.randint(1965, 2000)
        # CCCD layout: province of birth (3), century+gender (1), year (2), serial (6).
        century_gender = (0 if birth_year < 2000 else 2) + (1 if female else 0)
        national_id = (
            f"{int(current_province.code):03d}{century_gender}{birth_year % 100:02d}{self.serial:06d}"
        )
        minority_share = 0.75 if current_province.code in MOUNTAIN_CODES else 0.08
        ethnicity = rng.choice(MINORITIES) if rng.random() < minority_share else "Kinh"
        return {
            "national_id": national_id,
            "full_name": name,
            "gender": gender,
            "date_of_birth": datetime.date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
            "ethnicity": ethnicity,
            "is_ethnic_minority": ethnicity != "Kinh",
            "commune_id": rng.choice(self.communes[current_province.id]),
            "province_id": current_province.id,
            "position_id": self.positions[pick_weighted(rng, POSITION_WEIGHTS)],
            "area_type": "mountain" if current_province.code in MOUNTAIN_CODES else "plains",
        }
