"""A roster as a province really writes it: positions abbreviated or in their long and old forms,
ethnic groups under other names, communes with their council's name, without diacritics, or by
their name before 1 July 2025. Everything is stored in its canonical form; what matches nothing is
refused naming the closest candidates; an alias an admin adds is used by the next upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Alias
from enrollment.models import Enrollment, Learner
from tests.enrollment.enrollment_files import person, xlsx_bytes
from tests.factories import TrainingClassFactory

# Old communes and what they became, as resolution 1683/NQ-UBTVQH15 (16 June 2025) on the communes
# of Thái Nguyên provides: Cây Thị into Nam Hòa, Liên Minh into Tràng Xá, the town of Chợ Chu into
# xã Định Hóa; and in Bắc Kạn (merged into Thái Nguyên), Khang Ninh into xã Ba Bể.
MESSY_ROSTER = [
    # (row as written, what is stored: position code, ethnicity, commune)
    (
        person(1, "Nguyễn Văn An", "019085000001", gender="nam", position="CT UBND xã", ethnicity="Tày",
               commune="UBND xã Bằng Thành", province="T. Thái Nguyên"),
        ("chu-tich-ubnd", "Tày", "Xã Bằng Thành"),
    ),
    (
        person(2, "Hoàng Thị Bình", "019185000002", gender="Nữ", position="Chủ tịch Ủy ban MTTQ Việt Nam xã",
               ethnicity="H'Mông", commune="Xã Cây Thị", province="Thái Nguyên"),
        ("chu-tich-mttq", "Mông", "Xã Nam Hòa"),
    ),
    (
        person(3, "Lý Văn Cường", "019085000003", gender="NAM", position="Bí thư Đoàn TNCS Hồ Chí Minh",
               ethnicity="Dao", commune="xa khang ninh", province="Bắc Kạn"),
        ("bi-thu-doan", "Dao", "Xã Ba Bể"),
    ),
    (
        person(4, "Ma Thị Dung", "019185000004", gender="F", position="Công chức Tư pháp - Hộ tịch",
               ethnicity="Nùng", commune="TT Chợ Chu", province=None),
        ("tu-phap-ho-tich", "Nùng", "Xã Định Hóa"),
    ),
    (
        person(5, "Triệu Văn Em", "019085000005", position="Chỉ huy trưởng Quân sự", ethnicity="Sán Dìu",
               commune="Liên Minh", province="tinh thai nguyen"),
        ("chi-huy-truong-quan-su", "Sán Dìu", "Xã Tràng Xá"),
    ),
    (
        person(6, "Đặng Thị Phương", "019185000006", gender="gái", position="Địa chính - Xây dựng",
               ethnicity="Khơ-me", commune="Bằng Thành", province="TN cũ là Thái Nguyên"),
        None,  # the province is unknown: see the test
    ),
    (
        person(7, "Hà Văn Giang", "019085000007", position="PCT HĐND", ethnicity="Ê-đê",
               commune="XÃ BẰNG THÀNH", province="Tỉnh Thái Nguyên"),
        ("pho-chu-tich-hdnd", "Ê Đê", "Xã Bằng Thành"),
    ),
    (
        person(8, "Lò Thị Hoa", "019185000008", gender="Nữ", position="Văn phòng - Thống kê",
               ethnicity="", commune="Xã Bằng Thành", province="Thái Nguyên"),
        ("van-phong-thong-ke", "Kinh", "Xã Bằng Thành"),  # blank: Kinh
    ),
]  # fmt: skip


@pytest.fixture
def thai_nguyen_class(db, trainer, province):
    return TrainingClassFactory(code="tn-vocab-2026", trainers=[trainer], province=province)


def upload(client, training_class, content: bytes, *, dry_run=False):
    return client.post(
        f"/api/v1/classes/{training_class.pk}/enrollments/import",
        {"file": SimpleUploadedFile("danh-sach.xlsx", content), "dry_run": "true" if dry_run else "false"},
        format="multipart",
    )


def test_a_messy_roster_is_stored_in_canonical_form(thai_nguyen_class, trainer, client_for):
    rows = [row for row, expected in MESSY_ROSTER if expected is not None]
    response = upload(client_for(trainer), thai_nguyen_class, xlsx_bytes(rows))

    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert report["errors"] == []
    for row, expected in MESSY_ROSTER:
        if expected is None:
            continue
        learner = Learner.objects.select_related("position", "commune", "province").get(
            national_id=row["Số định danh cá nhân/CCCD"]
        )
        stored = (learner.position.code, learner.ethnicity, learner.commune.name)
        assert stored == expected, row["Họ và tên"]
        assert learner.province.code == "19" and learner.province.is_current
    assert Learner.objects.get(national_id="019185000002").is_ethnic_minority
    assert not Learner.objects.get(national_id="019185000008").is_ethnic_minority
    genders = Learner.objects.filter(national_id__in=["019085000003", "019185000004"]).values_list(
        "national_id", "gender"
    )
    assert set(genders) == {("019085000003", "male"), ("019185000004", "female")}

    # Each old name read as its new commune is said, with the old commune and district; the
    # legacy province too. Current names, however written, pass without a word.
    warnings = {(w["row"], w["field"], w["code"]) for w in report["warnings"]}
    assert warnings == {
        (3, "commune", "legacy_commune"),
        (4, "commune", "legacy_commune"),
        (4, "province", "legacy_province"),
        (5, "commune", "legacy_commune"),
        (6, "commune", "legacy_commune"),
    }
    cay_thi = next(w["message"] for w in report["warnings"] if w["row"] == 3)
    assert (
        cay_thi
        == "“Xã Cây Thị” (Xã Cây Thị, Huyện Đồng Hỷ, Tỉnh Thái Nguyên, before 1 July 2025) is now Xã Nam Hòa."
    )


def test_values_matching_nothing_are_refused_with_the_closest_candidates(
    thai_nguyen_class, trainer, client_for
):
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", position="Chủ tịch UBNN"),
        person(2, "Hoàng Thị Bình", "019185000002", gender="Nữ", ethnicity="Tàyy"),
        person(3, "Lý Văn Cường", "019085000003", commune="Xã Bằng Thàng"),
        MESSY_ROSTER[5][0],  # a province nobody knows
    ]
    response = upload(client_for(trainer), thai_nguyen_class, xlsx_bytes(rows), dry_run=True)

    assert response.status_code == 400, response.content
    errors = {(e["row"], e["field"]): e["message"] for e in response.json()["errors"]}
    assert set(errors) == {(2, "position"), (3, "ethnicity"), (4, "commune"), (5, "province")}
    assert errors[(2, "position")].startswith(
        "There is no position “Chủ tịch UBNN”. Closest: “Chủ tịch Ủy ban nhân dân”"
    )
    assert errors[(3, "ethnicity")].startswith(
        "There is no ethnic group “Tàyy” in the list of the 54. Closest: “Tày”"
    )
    assert "Closest: “Xã Bằng Thành”" in errors[(4, "commune")]
    assert not Learner.objects.filter(national_id__regex=r"^019[01]8500000").exists()


def test_an_alias_added_through_the_api_is_used_by_the_next_upload(
    thai_nguyen_class, trainer, province_admin, central_admin, client_for
):
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", position="Trưởng ban Văn hóa - Thông tin xã"),
        person(2, "Hoàng Thị Bình", "019185000002", gender="Nữ", commune="Xóm Bằng Thành cũ"),
    ]
    before = upload(client_for(trainer), thai_nguyen_class, xlsx_bytes(rows), dry_run=True)
    assert {(e["row"], e["field"]) for e in before.json()["errors"]} == {(2, "position"), (3, "commune")}

    position_alias = {
        "kind": "position",
        "spelling": "Trưởng ban Văn hóa - Thông tin",
        "position": "van-hoa-xa-hoi",
    }
    commune = thai_nguyen_class.province.communes.get(name="Xã Bằng Thành")
    commune_alias = {"kind": "commune", "spelling": "Xóm Bằng Thành cũ", "commune": commune.code}
    assert client_for(central_admin).post("/api/v1/aliases", position_alias, format="json").status_code == 201
    assert client_for(province_admin).post("/api/v1/aliases", commune_alias, format="json").status_code == 201

    response = upload(client_for(trainer), thai_nguyen_class, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    assert Learner.objects.get(national_id="019085000001").position.code == "van-hoa-xa-hoi"
    assert Learner.objects.get(national_id="019185000002").commune == commune
    assert Enrollment.objects.filter(training_class=thai_nguyen_class).count() == 2
    assert Alias.objects.filter(is_builtin=False, created_by=province_admin).count() == 1
