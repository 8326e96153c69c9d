"""Positions, provinces, communes, ethnicities and genders as people write them (courses.selectors.vocabularies),
the alias table behind them and its API, for every role."""

import json
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.core.files.tabular import read_table
from courses.files.catalogue_file import COLUMNS
from courses.models import Alias, AliasKind, Commune, Curriculum, Position, Province
from courses.selectors.vocabularies import GENDER_VALUES, REFERENCE_DIR, Vocabulary, official_ethnicities
from courses.services.catalogue import catalogue_import
from enrollment.models import Gender
from tests.api_helpers import assert_error
from tests.courses.catalogue_files import curriculum_rows, xlsx_bytes
from tests.factories import UserFactory
from tests.roles import SIGNED_IN, by_role, client_as


@pytest.fixture
def vocabulary(db):
    return Vocabulary.load()


def current(code: str) -> Province:
    return Province.objects.current().get(code=code)


def rejection(call, *args, **kwargs) -> str:
    """The message of the ValueError (in English: the tests run in English)."""
    with pytest.raises(ValueError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# --- positions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Chủ tịch UBND xã", "chu-tich-ubnd"),
        ("CT UBND", "chu-tich-ubnd"),
        ("CT. UBND phường", "chu-tich-ubnd"),
        ("Chủ tịch uỷ ban nhân dân", "chu-tich-ubnd"),  # the old placement of the tone mark
        ("chu tich ubnd xa", "chu-tich-ubnd"),
        ("Chủ tịch xã", "chu-tich-ubnd"),
        ("PCT UBND", "pho-chu-tich-ubnd"),
        ("Phó Chủ tịch UBND thị trấn", "pho-chu-tich-ubnd"),
        ("Chủ tịch HĐND", "chu-tich-hdnd"),
        ("PCT HĐND xã", "pho-chu-tich-hdnd"),
        ("Chủ tịch Ủy ban MTTQ Việt Nam xã", "chu-tich-mttq"),
        ("Chủ tịch UBMTTQ", "chu-tich-mttq"),
        ("Chủ tịch MTTQ", "chu-tich-mttq"),
        ("Bí thư Đoàn TNCS Hồ Chí Minh", "bi-thu-doan"),
        ("Bí thư Đoàn TNCS HCM", "bi-thu-doan"),
        ("Bí thư Đoàn xã", "bi-thu-doan"),
        ("Bí thư Đảng ủy phường", "bi-thu-dang-uy"),
        ("Phó Bí thư TT Đảng ủy", "pho-bi-thu-dang-uy"),
        ("Chủ tịch Hội LHPN xã", "chu-tich-hoi-phu-nu"),
        ("Chủ tịch Hội CCB", "chu-tich-hoi-cuu-chien-binh"),
        ("Chủ tịch Hội Nông dân Việt Nam xã", "chu-tich-hoi-nong-dan"),
        ("Công chức Tư pháp - Hộ tịch", "tu-phap-ho-tich"),
        ("TP-HT", "tu-phap-ho-tich"),
        ("Văn phòng - Thống kê", "van-phong-thong-ke"),
        ("VP-TK", "van-phong-thong-ke"),
        ("Địa chính - Xây dựng", "dia-chinh-xay-dung"),
        ("Địa chính - Nông nghiệp - Xây dựng và Môi trường", "dia-chinh-xay-dung"),
        ("Tài chính - Kế toán", "tai-chinh-ke-toan"),
        ("Văn hóa - Xã hội", "van-hoa-xa-hoi"),
        ("Chỉ huy trưởng Quân sự", "chi-huy-truong-quan-su"),
        ("Chỉ huy trưởng Ban CHQS xã", "chi-huy-truong-quan-su"),
        ("Xã đội trưởng", "chi-huy-truong-quan-su"),
        ("Người hoạt động không chuyên trách", "khong-chuyen-trach"),
        ("Đại biểu HĐND xã", "dai-bieu-hdnd"),
        ("chu-tich-ubnd", "chu-tich-ubnd"),
        ("Chair of the People's Committee", "chu-tich-ubnd"),
    ],
)
def test_positions_as_people_write_them(vocabulary, written, code):
    assert vocabulary.position(written).code == code


def test_every_position_by_its_own_name_and_code(vocabulary):
    for position in Position.objects.all():
        assert vocabulary.position(position.name_vi) == position
        assert vocabulary.position(position.code) == position


def test_an_unknown_position_names_the_closest_ones(vocabulary):
    message = rejection(vocabulary.position, "Chủ tịch UBNN")
    assert message.startswith("There is no position “Chủ tịch UBNN”. Closest: “Chủ tịch Ủy ban nhân dân”")
    assert message.count("“") == 1 + 3  # the value and at most three candidates
    # Nothing near: no candidates at all, rather than far-fetched ones.
    assert rejection(vocabulary.position, "Trưởng Công an xã") == "There is no position “Trưởng Công an xã”."


# --- provinces -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code", "legacy"),
    [
        ("TP HCM", "79", False),
        ("TP. Hồ Chí Minh", "79", False),
        ("Tp.HCM", "79", False),
        ("HCM", "79", False),
        ("Sài Gòn", "79", False),
        ("Tp.Hà Nội", "01", False),
        ("ha noi", "01", False),
        ("T. Thái Nguyên", "19", False),
        ("Tỉnh Thái Nguyên", "19", False),
        ("THAI NGUYEN", "19", False),
        ("19", "19", False),
        ("Bắc Kạn", "19", True),
        ("Tỉnh Bắc Kạn", "19", True),
        ("BR-VT", "79", True),
        ("Thừa Thiên Huế", "46", False),  # the same unit, a city since January 2025
        ("Huế", "46", False),
    ],
)
def test_provinces_as_people_write_them(vocabulary, written, code, legacy):
    province, was_legacy = vocabulary.province(written)
    assert (province.code, province.is_current, was_legacy) == (code, True, legacy)


def test_an_unknown_province_names_the_closest_ones(vocabulary):
    assert "Closest: “Thái Nguyên”" in rejection(vocabulary.province, "Thái Ngyên xưa")


# --- ethnicities ---------------------------------------------------------------------------------------


def test_the_reference_file_lists_the_54_peoples_with_its_source():
    data = json.loads((REFERENCE_DIR / "ethnicities.json").read_text(encoding="utf-8"))
    assert "Tổng cục Thống kê" in data["source"]
    assert len(official_ethnicities()) == len(set(official_ethnicities())) == 54
    assert [item["code"] for item in data["ethnicities"]] == [f"{n:02d}" for n in range(1, 55)]


def test_every_official_name_and_variant_resolves_to_its_people(vocabulary):
    data = json.loads((REFERENCE_DIR / "ethnicities.json").read_text(encoding="utf-8"))
    for item in data["ethnicities"]:
        for spelling in [item["name"], item["name"].upper(), *item["variants"]]:
            assert vocabulary.ethnicity(spelling) == item["name"], spelling


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("Mông", "Mông"),
        ("H'Mông", "Mông"),
        ("H’Mông", "Mông"),
        ("Hmông", "Mông"),
        ("Mèo", "Mông"),
        ("Êđê", "Ê Đê"),
        ("Ê-đê", "Ê Đê"),
        ("ede", "Ê Đê"),
        ("Jrai", "Gia Rai"),
        ("Gia-rai", "Gia Rai"),
        ("Khơ-me", "Khmer"),
        ("Khơme", "Khmer"),
        ("Bana", "Ba Na"),
        ("Ba-na", "Ba Na"),
        ("Xơ-đăng", "Xơ Đăng"),
        ("Sán Dìu", "Sán Dìu"),
        ("Tà-ôi", "Tà Ôi"),
        ("Pa Cô", "Tà Ôi"),
        ("Dân tộc Tày", "Tày"),
        ("tay", "Tày"),
        ("kinh", "Kinh"),
        ("Rơ-măm", "Rơ Măm"),
    ],
)
def test_ethnicities_as_people_write_them(vocabulary, written, official):
    assert vocabulary.ethnicity(written) == official


def test_an_unknown_ethnicity_names_the_closest_ones(vocabulary):
    message = rejection(vocabulary.ethnicity, "Tàyy")
    assert message.startswith("There is no ethnic group “Tàyy” in the list of the 54. Closest: “Tày”")


# --- genders -------------------------------------------------------------------------------------------


def test_gender_values_are_the_learners():
    assert set(GENDER_VALUES) == set(Gender.values)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("Nam", "male"),
        ("nam", "male"),
        ("M", "male"),
        ("male", "male"),
        ("trai", "male"),
        ("Nữ", "female"),
        ("nu", "female"),
        ("NỮ", "female"),
        ("F", "female"),
        ("female", "female"),
        ("gái", "female"),
        ("Khác", "other"),
    ],
)
def test_genders_as_people_write_them(vocabulary, written, value):
    assert vocabulary.gender(written) == value


def test_an_unknown_gender_says_what_to_write(vocabulary):
    assert rejection(vocabulary.gender, "Không rõ") == "“Không rõ” is not valid: write “Nam” or “Nữ”."


# --- communes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "Xã Bằng Thành",
        "xã bằng thành",
        "Bằng Thành",
        "Bang Thanh",
        "XA BANG THANH",
        "UBND xã Bằng Thành",
        "X. Bằng Thành",
    ],
)
def test_a_commune_with_or_without_its_prefix_and_diacritics(vocabulary, written):
    thai_nguyen = current("19")
    match = vocabulary.commune(written, thai_nguyen)
    assert (match.commune.name, match.commune.province_id, match.former) == (
        "Xã Bằng Thành",
        thai_nguyen.pk,
        "",
    )
    # With no province column, the class's province is tried first.
    assert vocabulary.commune(written, None, near=thai_nguyen).commune == match.commune


def test_a_ward_of_a_city_with_its_prefix(vocabulary):
    hanoi = current("01")
    assert vocabulary.commune("P. Ba Đình", hanoi).commune.name == "Phường Ba Đình"
    assert vocabulary.commune("UBND phường Ba Đình", hanoi).commune.name == "Phường Ba Đình"


@pytest.mark.parametrize("written", ["Phường Trúc Bạch", "Trúc Bạch", "phuong quan thanh"])
def test_a_ward_merged_on_1_july_2025_is_read_as_the_one_it_became(vocabulary, written):
    # Trúc Bạch and Quán Thánh (quận Ba Đình) were merged into the new phường Ba Đình.
    match = vocabulary.commune(written, current("01"))
    assert match.commune.name == "Phường Ba Đình"
    assert match.former.endswith("Quận Ba Đình, Thành phố Hà Nội")


def test_every_old_commune_taken_in_whole_resolves_in_its_new_province(vocabulary):
    """The built-in mapping (legacy_communes.json) as a whole: each old commune that went whole into
    one new commune, and whose name is not shared in its new province, resolves to it."""
    data = json.loads((REFERENCE_DIR / "legacy_communes.json").read_text(encoding="utf-8"))
    communes = {c.code: c for c in Commune.objects.select_related("province")}
    names = {}
    for old_province in data["provinces"].values():
        for wards in old_province["districts"].values():
            for ward, codes in wards.items():
                if isinstance(codes, str):
                    target = communes[codes]
                    names.setdefault((target.province_id, ward), set()).add(target.pk)
    checked = 0
    for (province_id, ward), targets in names.items():
        if len(targets) != 1:
            continue
        try:
            match = vocabulary.commune(ward, Province(pk=province_id))
        except ValueError:
            continue  # the old name is also shared with other old communes that went elsewhere
        if not match.former:
            continue  # a current commune has that name: the current name wins
        assert match.commune.pk in targets, ward
        checked += 1
    assert checked > 5000


def test_an_old_commune_split_between_new_ones_is_a_question_not_a_guess(vocabulary):
    message = rejection(vocabulary.commune, "Thị trấn Tây Đằng", current("01"))
    assert message.startswith(
        "“Thị trấn Tây Đằng” (a name before 1 July 2025) is now part of several communes: “"
    )
    assert message.endswith("Write the current commune.")


def test_a_name_in_several_provinces_needs_the_province(vocabulary):
    assert "fill in the province column too" in rejection(vocabulary.commune, "Xã Tân Lập", None)


def test_an_unknown_commune_names_the_closest_in_its_province(vocabulary):
    message = rejection(vocabulary.commune, "Xã Bằng Thàng", current("19"))
    assert message.startswith("There is no commune “Xã Bằng Thàng” in Thái Nguyên")
    assert "Closest: “Xã Bằng Thành”" in message


# --- loading -------------------------------------------------------------------------------------------


def test_built_in_aliases_are_rows_marked_built_in(db):
    built_in = Alias.objects.filter(is_builtin=True)
    assert set(built_in.values_list("kind", flat=True)) == set(AliasKind.values)
    assert built_in.filter(kind=AliasKind.COMMUNE).count() > 5000
    assert built_in.get(kind=AliasKind.ETHNICITY, spelling="Mèo").value == "Mông"


def test_reloading_the_reference_data_keeps_admins_aliases_and_changes_nothing_else(db, central_admin):
    position = Position.objects.get(code="van-hoa-xa-hoi")
    mine = Alias.objects.create(kind=AliasKind.POSITION, spelling="Công chức LĐTBXH", position=position)
    before = sorted(Alias.objects.values_list("id", "kind", "key", "position_id", "commune_id", "value"))
    call_command("load_reference_data", verbosity=0)
    assert (
        sorted(Alias.objects.values_list("id", "kind", "key", "position_id", "commune_id", "value")) == before
    )
    assert Alias.objects.filter(pk=mine.pk, is_builtin=False).exists()


def test_twenty_thousand_values_resolve_without_a_query(vocabulary):
    thai_nguyen = current("19")
    positions = ["CT UBND", "Bí thư Đoàn xã", "Văn phòng - Thống kê", "PCT HĐND", "Địa chính - Xây dựng"]
    ethnicities = ["Kinh", "Tày", "H'Mông", "Dao", "Nùng"]
    # Each commune as named, without its unit word, and in capitals.
    communes = [
        written
        for commune in Commune.objects.filter(province=thai_nguyen)
        for written in (commune.name, commune.name.split(" ", 1)[1], commune.name.upper())
    ]
    rows = [
        (positions[n % 5], ethnicities[n % 5], "Nữ" if n % 2 else "Nam", communes[n % len(communes)])
        for n in range(20_000)
    ]
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as context:
        for position, ethnicity, gender, commune in rows:
            vocabulary.position(position)
            vocabulary.ethnicity(ethnicity)
            vocabulary.gender(gender)
            vocabulary.commune(commune, None, near=thai_nguyen)
    elapsed = time.perf_counter() - started
    assert context.captured_queries == []
    # Measured at about 0.2 s; the bound leaves room for a busy machine.
    assert elapsed < 2, elapsed


def test_the_vocabulary_loads_in_a_handful_of_queries(db):
    with CaptureQueriesContext(connection) as context:
        Vocabulary.load()
    assert len(context.captured_queries) <= 5


# --- the API -------------------------------------------------------------------------------------------

URL = "/api/v1/aliases"


@by_role({**SIGNED_IN, "learner": 403})
def test_who_may_list_aliases(db, as_role, role, expected):
    response = as_role(role).get(URL, {"kind": "ethnicity"})
    if expected != 200:
        assert_error(response, expected)
        return
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and {item["kind"] for item in results} == {"ethnicity"}


def test_aliases_filter_by_kind_province_and_text(client_for, trainer):
    hanoi = current("01")
    client = client_for(trainer)
    found = client.get(URL, {"kind": "commune", "province": hanoi.pk, "q": "truc bach"}).json()["results"]
    assert [(a["spelling"], a["commune"]["name"], a["is_builtin"]) for a in found] == [
        ("Phường Trúc Bạch", "Phường Ba Đình", True)
    ]
    assert client.get(URL, {"kind": "planet"}).status_code == 400


def _commune(province_code: str, name: str) -> Commune:
    return Commune.objects.get(province__code=province_code, province__valid_until__isnull=True, name=name)


# (role, kind, body) -> status: central admins write every kind; a provincial admin (Thái Nguyên)
# only communes of Thái Nguyên; nobody else writes.
def _bodies():
    return {
        "position": {"kind": "position", "spelling": "Trưởng ban Văn hóa xã", "position": "van-hoa-xa-hoi"},
        "ethnicity": {"kind": "ethnicity", "spelling": "Thổ Kẹo Mọn", "value": "Thổ"},
        "gender": {"kind": "gender", "spelling": "Ông", "value": "male"},
        "province": {"kind": "province", "spelling": "Xứ Thái", "province": current("19").pk},
        "own_commune": {
            "kind": "commune",
            "spelling": "Bằng Thành cũ",
            "commune": _commune("19", "Xã Bằng Thành").code,
        },
        "other_commune": {
            "kind": "commune",
            "spelling": "Ba Đình cũ",
            "commune": _commune("01", "Phường Ba Đình").code,
        },
    }


CREATE_STATUS = {
    "anonymous": dict.fromkeys(
        ["position", "ethnicity", "gender", "province", "own_commune", "other_commune"], 401
    ),
    "learner": dict.fromkeys(
        ["position", "ethnicity", "gender", "province", "own_commune", "other_commune"], 403
    ),
    "trainer": dict.fromkeys(
        ["position", "ethnicity", "gender", "province", "own_commune", "other_commune"], 403
    ),
    "province_admin": {
        "position": 403,
        "ethnicity": 403,
        "gender": 403,
        "province": 403,
        "own_commune": 201,
        "other_commune": 403,
    },
    "central_admin": dict.fromkeys(
        ["position", "ethnicity", "gender", "province", "own_commune", "other_commune"], 201
    ),
}


@pytest.mark.parametrize(
    "target", ["position", "ethnicity", "gender", "province", "own_commune", "other_commune"]
)
@by_role(CREATE_STATUS)
def test_who_may_add_which_alias(db, as_role, role, expected, target):
    expected = expected[target]
    response = as_role(role).post(URL, _bodies()[target], format="json")
    if expected != 201:
        assert_error(response, expected)
        assert not Alias.objects.filter(is_builtin=False).exists()
        return
    assert response.status_code == 201, response.content
    body = response.json()
    alias = Alias.objects.get(pk=body["id"])
    assert (alias.is_builtin, alias.created_by.username) == (False, body["created_by"])


@pytest.mark.parametrize("target", ["own_commune", "other_commune", "position"])
@by_role(CREATE_STATUS)
def test_who_may_delete_an_admins_alias(db, as_role, role, expected, central_admin, target):
    body = _bodies()[target]
    alias = Alias.objects.get(pk=_created(central_admin, body))
    response = as_role(role).delete(f"{URL}/{alias.pk}")
    expected = expected[target]
    if expected == 201:
        assert response.status_code == 204
        assert not Alias.objects.filter(pk=alias.pk).exists()
    else:
        assert_error(response, expected)
        assert Alias.objects.filter(pk=alias.pk).exists()


def _created(user, body) -> int:
    response = client_as(user).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_built_in_alias_is_not_deleted_through_the_api(client_for, central_admin):
    alias = Alias.objects.filter(is_builtin=True, kind=AliasKind.ETHNICITY).first()
    assert_error(client_for(central_admin).delete(f"{URL}/{alias.pk}"), 409, "conflict")
    assert Alias.objects.filter(pk=alias.pk).exists()


def test_a_spelling_that_already_means_something_is_a_conflict(client_for, central_admin):
    client = client_for(central_admin)
    body = {"kind": "ethnicity", "spelling": "Mèo", "value": "Dao"}  # built in: Mông
    assert_error(client.post(URL, body, format="json"), 409, "conflict")
    # Written with other punctuation and case, it is the same spelling.
    body = {"kind": "gender", "spelling": "Ông", "value": "male"}
    assert client.post(URL, body, format="json").status_code == 201
    assert_error(client.post(URL, {**body, "spelling": "ÔNG."}, format="json"), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "gender", "spelling": "Bà", "value": "woman"}, "value"),
        ({"kind": "ethnicity", "spelling": "Người Sao Hỏa", "value": "Sao Hỏa"}, "value"),
        ({"kind": "position", "spelling": "Trưởng thôn"}, "position"),
        ({"kind": "position", "spelling": "Trưởng thôn", "position": "khong-co"}, "position"),
        ({"kind": "commune", "spelling": "Xóm Mới", "commune": "99999"}, "commune"),
        ({"kind": "gender", "spelling": "Bà", "value": "female", "position": "vien-chuc"}, "position"),
        ({"kind": "gender", "spelling": "—", "value": "female"}, "spelling"),
    ],
)
def test_an_alias_must_say_what_it_stands_for(client_for, central_admin, body, field):
    body = assert_error(client_for(central_admin).post(URL, body, format="json"), 400)
    assert field in {item.get("field") for item in body["errors"]}


def test_an_ethnicity_alias_stores_the_official_name(client_for, central_admin):
    body = {"kind": "ethnicity", "spelling": "Mông Xanh", "value": "h'mong"}
    response = client_for(central_admin).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["value"] == "Mông"
    assert Vocabulary.load().ethnicity("mong xanh") == "Mông"


def test_an_admins_alias_takes_effect_at_the_next_load(client_for, central_admin, province_admin):
    before = Vocabulary.load()
    rejection(before.position, "Trưởng ban Văn hóa xã")
    client_for(central_admin).post(URL, _bodies()["position"], format="json")
    assert Vocabulary.load().position("Trưởng ban Văn hóa xã").code == "van-hoa-xa-hoi"

    # A provincial admin's alias for an old name wins over the built-in meanings in its province.
    thai_nguyen = current("19")
    target = _commune("19", "Xã Bằng Thành")
    body = {"kind": "commune", "spelling": "Xã Tân Lập", "commune": target.code}
    assert client_for(province_admin).post(URL, body, format="json").status_code == 201
    match = Vocabulary.load().commune("Tân Lập", thai_nguyen)
    assert (match.commune, match.former) == (target, "")


def test_every_spelling_of_the_reference_files_resolves_to_what_it_stands_for(vocabulary):
    """No spelling in aliases.json is shadowed by an official name or by another spelling of the
    same key meaning something else (the alias table would keep only one of them)."""
    files = json.loads((REFERENCE_DIR / "aliases.json").read_text(encoding="utf-8"))
    wrong = []
    for code, spellings in files["positions"].items():
        wrong += [s for s in spellings if vocabulary.position(s).code != code]
    for value, spellings in files["genders"].items():
        wrong += [s for s in spellings if vocabulary.gender(s) != value]
    for item in files["provinces"]:
        unit = Province.objects.get(code=item["code"], valid_until__isnull=item["current"]).current_unit
        wrong += [s for s in item["spellings"] if vocabulary.province(s)[0] != unit]
    assert wrong == []


def test_the_catalogue_reads_positions_as_people_write_them(db):

    rows = curriculum_rows("ubnd-dong-bang", positions="CT UBND xã; PCT UBND; Chủ tịch xã")
    table = read_table(content=xlsx_bytes(rows), filename="danh-muc.xlsx", columns=COLUMNS)
    report = catalogue_import(rows=table.rows, dry_run=False, user=None)
    assert report.ok, report.errors
    curriculum = Curriculum.objects.get(code="ubnd-dong-bang")
    assert sorted(curriculum.positions.values_list("code", flat=True)) == [
        "chu-tich-ubnd",
        "pho-chu-tich-ubnd",
    ]

    rows = curriculum_rows("ubnd-mien-nui", positions="CT UBND; Chủ tịch UBNN")
    table = read_table(content=xlsx_bytes(rows), filename="danh-muc.xlsx", columns=COLUMNS)
    report = catalogue_import(rows=table.rows, dry_run=True, user=None)
    assert [(e.row, e.field) for e in report.errors] == [(2, "positions")]
    assert "Closest: “Chủ tịch Ủy ban nhân dân”" in report.errors[0].message


def test_an_admin_adds_a_commune_alias_in_the_django_admin(client, db):
    admin_user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin_user)
    commune = _commune("19", "Xã Bằng Thành")
    form = {"kind": "commune", "spelling": "Làng Bằng Thành", "commune": commune.pk, "value": "", "note": ""}

    response = client.post(reverse("admin:courses_alias_add"), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    alias = Alias.objects.get(spelling="Làng Bằng Thành")
    assert (alias.province, alias.created_by, alias.is_builtin) == (commune.province, admin_user, False)
    assert Vocabulary.load().commune("lang bang thanh", None).commune == commune
    # The same spelling again is a form error, not a server error.
    again = client.post(reverse("admin:courses_alias_add"), form)
    assert again.status_code == 200 and Alias.objects.filter(spelling="Làng Bằng Thành").count() == 1
    # A kind without its target is a form error too.
    missing = client.post(
        reverse("admin:courses_alias_add"), {**form, "kind": "position", "spelling": "Trưởng xóm"}
    )
    assert missing.status_code == 200 and not Alias.objects.filter(spelling="Trưởng xóm").exists()
