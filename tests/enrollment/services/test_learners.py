"""Learners: the id number, their accounts, derived fields, and who sees whose personal data."""

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from courses.core.errors import DomainError
from courses.models import Commune, Position, Province, Role
from enrollment.models import Learner
from enrollment.rules.identity import CMND, NATIONAL_ID, identity_number_parse, national_id_parse
from enrollment.services.learners import learner_create, learner_update
from tests.api_helpers import assert_error
from tests.factories import EnrollmentFactory, LearnerFactory, UserFactory
from tests.roles import ADMINS_OF_THE_PROVINCE, CLASS_ROLES, STAFF_OF_THE_CLASS, by_role, succeeding

# --- the id number ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "padded"),
    [
        ("001085012345", "001085012345", False),
        (" 001 085 012 345 ", "001085012345", False),
        (1085012345, "001085012345", True),  # Excel dropped two zeros
        (1085012345.0, "001085012345", True),
        ("1085012345.0", "001085012345", True),
        ("1.085.012.345", "001085012345", True),  # as a Vietnamese spreadsheet groups digits
        (19085012345, "019085012345", True),
        ("19085012345", "019085012345", True),  # one zero lost, typed as text
        ("001-085-012345", "001085012345", False),
        ("001 0 85 012345", "001085012345", False),  # grouped as the number is built: PPP G YY NNNNNN
        ("1.085.012-345", "001085012345", True),
        ("'001085012345", "001085012345", False),  # Excel's apostrophe marking text
        ("096 385 000 001", "096385000001", False),  # Cà Mau, the last province code
    ],
)
def test_id_numbers_as_people_and_spreadsheets_write_them(raw, expected, padded):
    parsed = national_id_parse(raw)
    assert (parsed.value, parsed.kind, parsed.padded) == (expected, NATIONAL_ID, padded)


@pytest.mark.parametrize(
    "raw",
    [
        "1234567",
        "1234567890123",
        "1.08501E+11",
        "00108501234A",
        "",
        True,
        12.5,
        "108501234.5",  # a decimal, not a grouping
        "０01085012345",
        "000085012345",  # province code 000
        "097085012345",  # no province has code 097
        "185012345678",  # twelve digits whose first three are no province code
        "0123456789",  # ten digits padded to 000123456789: province 000
    ],
)
def test_id_numbers_that_cannot_be_trusted_are_refused(raw):
    with pytest.raises(ValueError):
        national_id_parse(raw)


@translation.override(None)  # the messages in their source language, Vietnamese
def test_a_wrong_province_code_is_named():
    with pytest.raises(ValueError) as caught:
        national_id_parse(97085012345)
    assert str(caught.value) == (
        "Số định danh 097085012345 bắt đầu bằng 097, không phải mã tỉnh nơi khai sinh (001–096): "
        "hãy kiểm tra lại số."
    )


@pytest.mark.parametrize(
    ("raw", "expected", "padded"),
    [
        ("123456789", "123456789", False),
        (123456789, "123456789", False),
        ("123 456 789", "123456789", False),
        (12345678, "012345678", True),  # a CMND starting with 0 typed into a number cell
    ],
)
@translation.override(None)  # the messages in their source language, Vietnamese
def test_a_nine_digit_cmnd_is_another_document_never_padded_into_an_id(raw, expected, padded):
    identity = identity_number_parse(raw)
    assert (identity.value, identity.kind, identity.padded) == (expected, CMND, padded)
    with pytest.raises(ValueError) as caught:
        national_id_parse(raw)
    assert "CMND" in str(caught.value) and "12 chữ số" in str(caught.value)


@pytest.mark.parametrize(
    ("digit", "sex", "year"),
    [
        ("0", "male", 1985),
        ("1", "female", 1985),
        ("2", "male", 2085),
        ("3", "female", 2085),
        ("4", "male", 2185),
        ("5", "female", 2185),
        ("6", "male", 2285),
        ("7", "female", 2285),
        ("8", "male", 1885),
        ("9", "female", 1885),
    ],
)
def test_the_sex_century_digit_and_birth_year_of_an_id(digit, sex, year):
    identity = identity_number_parse(f"019{digit}85000001")
    assert (identity.province_code, identity.sex, identity.birth_year) == ("019", sex, year)


# --- learner_create / learner_update ---------------------------------------------------------------


@pytest.fixture
def commune(db):
    return Commune.objects.select_related("province").filter(province__code="19").order_by("code").first()


def test_creating_a_learner_creates_their_account(commune, central_admin):
    created = learner_create(
        actor=central_admin,
        national_id=1085012345,
        full_name="Nguye\u0302\u0303n Văn An",  # decomposed
        gender="male",
        ethnicity="Tày",
        commune=commune,
    )
    learner = created.learner
    assert learner.national_id == "001085012345"
    assert learner.full_name == "Nguyễn Văn An"  # stored composed (NFC)
    assert learner.province == commune.province  # derived from the commune
    assert learner.is_ethnic_minority is True
    assert created.password is None
    user = learner.user
    assert (user.username, user.role, user.full_name) == ("001085012345", Role.LEARNER, "Nguyễn Văn An")
    assert not user.has_usable_password()


def test_a_generated_password_is_returned_once_and_signs_in(commune, central_admin):
    created = learner_create(
        actor=central_admin,
        national_id="001085012345",
        full_name="An",
        gender="male",
        commune=commune,
        with_password=True,
    )
    assert len(created.password) == 12
    assert authenticate(username="001085012345", password=created.password) == created.learner.user
    assert created.learner.user.password_change_required  # the learner chooses their own next


def test_kinh_is_not_an_ethnic_minority_whatever_the_spelling(commune, central_admin):
    for index, ethnicity in enumerate(["Kinh", "KINH", " kinh ", ""]):
        learner = learner_create(
            actor=central_admin,
            national_id=f"00108501234{index}",
            full_name="An",
            gender="male",
            ethnicity=ethnicity,
            commune=commune,
        ).learner
        assert learner.is_ethnic_minority is False
        assert learner.ethnicity == "Kinh"  # the official name, as the enrolment lists store it


def test_the_api_stores_an_ethnicity_by_its_official_name_and_refuses_one_of_no_group(commune, central_admin):
    learner = learner_create(
        actor=central_admin, national_id="001185012345", full_name="Lò Thị Mỷ", gender="female",
        ethnicity="H'Mông", commune=commune,
    ).learner  # fmt: skip
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=central_admin, national_id="001185012346", full_name="Lò Thị Ban", gender="female",
            ethnicity="Mông Cổ lai", commune=commune,
        )  # fmt: skip

    assert (learner.ethnicity, learner.is_ethnic_minority) == ("Mông", True)
    assert [e.field for e in error.value.errors] == ["ethnicity"]
    assert not Learner.objects.filter(national_id="001185012346").exists()


def test_an_id_number_is_unique(commune, central_admin):
    LearnerFactory(national_id="001085012345")
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=central_admin, national_id="1085012345", full_name="An", gender="male", commune=commune
        )
    assert [e.field for e in error.value.errors] == ["national_id"]


def test_an_id_already_used_as_another_accounts_username_is_refused(commune, central_admin):
    UserFactory(username="001085012345", role=Role.TRAINER)
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=central_admin, national_id="001085012345", full_name="An", gender="male", commune=commune
        )
    assert error.value.errors[0].field == "national_id"


def test_the_province_must_be_current_and_match_the_commune(commune, central_admin):
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=central_admin,
            national_id="001085012345",
            full_name="An",
            gender="male",
            province=Province.objects.legacy().get(code="06"),
        )
    assert error.value.errors[0].field == "province_id"
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=central_admin,
            national_id="001085012345",
            full_name="An",
            gender="male",
            commune=commune,
            province=Province.objects.current().get(code="01"),
        )
    assert error.value.errors[0].field == "province_id"


def test_a_provincial_admin_creates_learners_of_their_province_only(province_admin):
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=province_admin,
            national_id="001085012345",
            full_name="An",
            gender="male",
            province=Province.objects.current().get(code="01"),
        )
    assert error.value.status == 403
    assert not Learner.objects.exists()


def test_updating_the_id_renames_the_account(central_admin):
    learner = LearnerFactory()
    learner_update(
        actor=central_admin, learner=learner, data={"national_id": "019000000777", "full_name": "Tên Mới"}
    )
    learner.refresh_from_db()
    assert learner.user.username == "019000000777"
    assert learner.user.full_name == "Tên Mới"
    assert learner.search_text.startswith("ten moi")


@translation.override(None)  # the messages in their source language, Vietnamese
def test_an_old_cmnd_is_kept_beside_the_id_never_as_it(commune, central_admin):
    with pytest.raises(DomainError) as error:
        learner_create(
            actor=central_admin, national_id="123456789", full_name="An", gender="male", commune=commune
        )
    assert [e.field for e in error.value.errors] == ["national_id"]
    assert "CMND" in error.value.errors[0].message
    assert not Learner.objects.exists()

    learner = learner_create(
        actor=central_admin,
        national_id="001085012345",
        legacy_id_number="123 456 789",
        full_name="An",
        gender="male",
        commune=commune,
    ).learner
    assert (learner.national_id, learner.legacy_id_number) == ("001085012345", "123456789")

    # One learner per CMND; a 12-digit id is not a CMND.
    for given, message in [
        ("123456789", "Đã có học viên mang số CMND này."),
        ("019185000001", "“019185000001” là số định danh cá nhân 12 chữ số"),
    ]:
        with pytest.raises(DomainError) as error:
            learner_create(
                actor=central_admin,
                national_id="019185000001",
                legacy_id_number=given,
                full_name="Bình",
                gender="female",
                commune=commune,
            )
        assert [e.field for e in error.value.errors] == ["legacy_id_number"]
        assert error.value.errors[0].message.startswith(message)

    learner_update(actor=central_admin, learner=learner, data={"legacy_id_number": ""})
    learner.refresh_from_db()
    assert learner.legacy_id_number == ""


# --- the API: who sees whom --------------------------------------------------------------------------

# From the Thái Nguyên class's learner: the class's trainer and the admins of Thái Nguyên see them;
# the other class's trainer and learner, and Hà Nội's admin, don't. Learners read themselves at
# /me/learner.
SEES_LEARNER = STAFF_OF_THE_CLASS
# Trainers never write learners (403 whatever the learner).
WRITES_LEARNER = {**SEES_LEARNER, "own_trainer": 403, "other_trainer": 403}
# Their own learner record, for learners.
MY_LEARNER_RECORD = {
    **dict.fromkeys(CLASS_ROLES, 404),
    "anonymous": 401,
    "own_learner": 200,
    "other_learner": 200,
}


@by_role(SEES_LEARNER)
def test_get_a_learner(world, as_role, role, expected):
    Learner.objects.filter(pk=world.learner.pk).update(legacy_id_number="123456789")
    response = as_role(role).get(f"/api/v1/learners/{world.learner.pk}")
    assert response.status_code == expected, response.content
    if response.status_code == 200:
        # The trainer of the learner's class reads the roster fields only: both numbers masked.
        roster = role == "own_trainer"
        shown = "********" + world.learner.national_id[-4:] if roster else world.learner.national_id
        assert response.json()["national_id"] == shown
        assert response.json()["legacy_id_number"] == ("*****6789" if roster else "123456789")


@by_role(
    {
        **SEES_LEARNER,
        # Only the learners on their roster, not the joiner of the same province.
        "own_trainer": {"Nguyễn Văn An"},
        "other_trainer": {"Lê Văn Cường"},
        "province_admin": {"Nguyễn Văn An", "Trần Thị Bình"},
        "other_province_admin": {"Lê Văn Cường"},
        "central_admin": {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"},
    }
)
def test_list_learners(world, as_role, role, expected):
    response = as_role(role).get("/api/v1/learners")
    if expected in (401, 403):
        assert_error(response, expected)
        return
    names = {learner["full_name"] for learner in response.json()["results"]}
    assert names == expected


@by_role(WRITES_LEARNER)
def test_change_a_learner(world, as_role, role, expected):
    response = as_role(role).patch(
        f"/api/v1/learners/{world.learner.pk}", {"phone": "0912345678"}, format="json"
    )
    assert response.status_code == expected, response.content
    world.learner.refresh_from_db()
    assert (world.learner.phone == "0912345678") == (expected == 200)


@by_role(succeeding(ADMINS_OF_THE_PROVINCE, 201))
def test_create_a_learner(world, as_role, role, expected):
    response = as_role(role).post(
        "/api/v1/learners",
        {
            "national_id": "019199000123",
            "full_name": "Hoàng Thị Mai",
            "gender": "female",
            "province_id": world.here.pk,
            "legacy_id_number": "123456789",
            "generate_password": True,
        },
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        assert response.json()["username"] == "019199000123"
        assert response.json()["legacy_id_number"] == "123456789"
        assert len(response.json()["password"]) == 12
    assert Learner.objects.filter(national_id="019199000123").exists() == (expected == 201)


@by_role(WRITES_LEARNER)
def test_reset_a_learners_password(world, as_role, role, expected):
    response = as_role(role).post(f"/api/v1/learners/{world.learner.pk}/reset-password")
    assert response.status_code == expected, response.content
    if expected == 200:
        body = response.json()
        assert authenticate(username=body["username"], password=body["password"]) == world.learner.user


def test_a_learner_reads_and_changes_their_own_contact_details(world, as_role):
    client = as_role("own_learner")
    assert client.get("/api/v1/me/learner").json()["full_name"] == "Nguyễn Văn An"
    # Only contact fields are the learner's to change: a name sent with them is refused, not ignored.
    refused = client.patch(
        "/api/v1/me/learner",
        {"phone": "0987654321", "email": "an@example.vn", "full_name": "Khác"},
        format="json",
    )
    assert [(e["field"], e["code"]) for e in assert_error(refused, 400)["errors"]] == [
        ("full_name", "unknown_field")
    ]
    world.learner.refresh_from_db()
    assert world.learner.full_name == "Nguyễn Văn An"
    assert world.learner.phone != "0987654321"
    response = client.patch(
        "/api/v1/me/learner", {"phone": "0987654321", "email": "an@example.vn"}, format="json"
    )
    assert response.status_code == 200, response.content
    world.learner.refresh_from_db()
    assert (world.learner.phone, world.learner.email, world.learner.full_name) == (
        "0987654321",
        "an@example.vn",
        "Nguyễn Văn An",
    )
    bad = client.patch("/api/v1/me/learner", {"email": "not-an-email"}, format="json")
    assert [e["field"] for e in assert_error(bad, 400)["errors"]] == ["email"]


@by_role(MY_LEARNER_RECORD, roles=["anonymous", "own_trainer", "central_admin"])
def test_me_learner_is_only_for_learners(world, as_role, role, expected):
    assert as_role(role).get("/api/v1/me/learner").status_code == expected


# --- filters and search --------------------------------------------------------------------------


@pytest.fixture
def learners(db):
    thai_nguyen = Province.objects.current().get(code="19")
    commune = Commune.objects.filter(province=thai_nguyen).order_by("code").first()
    first, second = Position.objects.order_by("sort_order", "code")[:2]
    return {
        "an": LearnerFactory(
            full_name="Nguyễn Văn An",
            national_id="001085000001",
            gender="male",
            position=first,
            commune=commune,
        ),
        "binh": LearnerFactory(full_name="Trần Thị Bình", ethnicity="Tày", position=second),
        "dung": LearnerFactory(
            full_name="Phạm Đức Dũng", gender="male", province=Province.objects.current().get(code="01")
        ),
        "commune": commune,
        "position": first,
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("search=nguyen van", {"Nguyễn Văn An"}),
        ("search=Nguyễn Văn", {"Nguyễn Văn An"}),
        ("search=NGUYE\u0302\u0303N", {"Nguyễn Văn An"}),  # decomposed
        ("search=duc dung", {"Phạm Đức Dũng"}),
        ("search=001085000001", {"Nguyễn Văn An"}),
        ("gender=male", {"Nguyễn Văn An", "Phạm Đức Dũng"}),
        ("is_ethnic_minority=true", {"Trần Thị Bình"}),
        ("category=elected", None),
    ],
)
def test_learner_filters(learners, client_for, central_admin, query, names):
    response = client_for(central_admin).get(f"/api/v1/learners?{query}")
    assert response.status_code == 200, response.content
    found = {learner["full_name"] for learner in response.json()["results"]}
    if names is None:
        expected = {
            learner.full_name
            for learner in (learners["an"], learners["binh"], learners["dung"])
            if learner.position and learner.position.category == "elected"
        }
        assert found == expected
    else:
        assert found == names


def test_learner_filters_by_place_and_position(learners, client_for, central_admin):
    client = client_for(central_admin)
    thai_nguyen = Province.objects.current().get(code="19")
    bac_kan = Province.objects.legacy().get(code="06")
    by_province = {
        r["full_name"] for r in client.get(f"/api/v1/learners?province={thai_nguyen.pk}").json()["results"]
    }
    assert by_province == {"Nguyễn Văn An", "Trần Thị Bình"}
    # A legacy province finds the learners of the province it became part of.
    assert client.get(f"/api/v1/learners?province={bac_kan.pk}").json()["count"] == 2
    assert client.get(f"/api/v1/learners?commune={learners['commune'].pk}").json()["count"] == 1
    assert client.get(f"/api/v1/learners?position={learners['position'].code}").json()["count"] == 1


def test_learner_list_queries_do_not_grow_with_the_page(
    db, client_for, central_admin, django_assert_max_num_queries
):
    commune = Commune.objects.filter(province__code="19").first()
    position = Position.objects.first()

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client_for(central_admin).get("/api/v1/learners?page_size=100").status_code == 200
        return len(context.captured_queries)

    for _ in range(5):
        LearnerFactory(commune=commune, position=position)
    with django_assert_max_num_queries(4):
        small = count()
    for _ in range(45):
        EnrollmentFactory(learner=LearnerFactory(commune=commune, position=position))
    with django_assert_max_num_queries(4):
        large = count()
    assert small == large


@by_role(WRITES_LEARNER)
def test_replace_a_learner(world, as_role, role, expected):
    payload = {
        "national_id": world.learner.national_id,
        "full_name": "Nguyễn Văn An",
        "gender": "male",
        "province_id": world.here.pk,
        "email": "an.moi@example.vn",
    }
    response = as_role(role).put(f"/api/v1/learners/{world.learner.pk}", payload, format="json")
    assert response.status_code == expected, response.content
    world.learner.refresh_from_db()
    assert (world.learner.email == "an.moi@example.vn") == (expected == 200)


@by_role(MY_LEARNER_RECORD)
def test_my_learner_record_for_every_role(world, as_role, role, expected):
    response = as_role(role).get("/api/v1/me/learner")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == (world.learner if role == "own_learner" else world.other_learner).pk
    changed = as_role(role).patch("/api/v1/me/learner", {"phone": "0900000000"}, format="json")
    assert changed.status_code == expected
