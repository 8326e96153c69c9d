"""The Django admin: every model of the product's apps has a page that opens for a superuser, in
Vietnamese by default and in English on request; data the services write is only viewed; only staff
get in."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from courses.models import (
    ColumnMapping,
    Commune,
    Curriculum,
    ImportJob,
    ImportKind,
    MappingKind,
    Material,
    MaterialKind,
    Position,
    Programme,
    Province,
    Role,
    User,
)
from enrollment.models import (
    Attendance,
    CompletionRule,
    FilePreview,
    Learner,
    LearnerDataAccess,
    PresenceInterval,
    StaleClass,
    UploadKind,
)
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.calendar_feeds import calendar_feed_reset
from enrollment.services.notifications_enrolment import enrolment_emails_send
from reporting.models import Baseline, ClaimKind, StaleClaim, StaleRollup, Target
from reporting.services.closes import programme_close
from reporting.services.programmes import target_update
from tests.factories import TrainingInstitutionFactory, UserFactory
from tests.reporting.report_world import build_world, vietnamese_default
from tests.roles import by_role

PRODUCT_APPS = ("courses", "enrollment", "reporting")
PRODUCT_MODELS = [model for app in PRODUCT_APPS for model in apps.get_app_config(app).get_models()]
# Edited here: the catalogue, the reference data and the programme figures people type in.
EDITABLE_MODELS = [User, Province, Commune, Position, Curriculum, Programme, Target, Baseline]


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def admin_world(db):
    """A few rows in every model: the report world (classes, enrolments, attendance, progress,
    certificates, rollups), a roster marked through the attendance service (audit history, stale
    mark), and the logs and marks the other services and tasks write."""
    world = build_world()
    running = world.classes[3]
    marker = UserFactory(role=Role.CENTRAL_ADMIN)
    session = running.sessions.order_by("starts_at").first()
    enrollment = running.enrollments.first()
    attendance_mark_roster(
        session=session, records=[{"enrollment": enrollment.pk, "status": "present"}], actor=marker
    )
    now = timezone.now()
    PresenceInterval.objects.create(
        session=session,
        enrollment=enrollment,
        joined_at=session.starts_at,
        left_at=session.starts_at + datetime.timedelta(minutes=45),
        source="platform",
    )
    LearnerDataAccess.objects.create(
        reader=marker,
        learner=enrollment.learner,
        at=now,
        endpoint="learner-detail",
        path=f"/api/v1/learners/{enrollment.learner_id}",
        training_class=running,
        full_record=True,
    )
    ImportJob.objects.create(
        kind=ImportKind.ENROLMENT, file_name="danh-sach.xlsx", file_content=b"PK", created_by=marker
    )
    FilePreview.objects.create(
        kind=UploadKind.SCORES,
        training_class=running,
        created_by=marker,
        file_name="bang-diem.xlsx",
        file_content=b"PK",
    )
    StaleClass.objects.get_or_create(training_class=running, defaults={"marked_at": now})
    StaleRollup.objects.create(scope=StaleRollup.NATIONAL, marked_at=now)
    StaleClaim.objects.create(kind=ClaimKind.values[0], key=running.pk, claimed_at=now)
    Material.objects.create(
        curriculum=world.curriculum_a, order=1, kind=MaterialKind.HANDBOOK, title="Sổ tay"
    )
    TrainingInstitutionFactory()
    ColumnMapping.objects.create(
        name="Mẫu của tỉnh",
        kind=MappingKind.values[0],
        mapping={},
        province=world.thai_nguyen,
        created_by=marker,
    )
    Baseline.objects.create(programme=world.programme, level="", province=world.hanoi, achieved_luot=12)
    target = world.programme.targets.first()
    target_update(target=target, data={"target_luot": target.target_luot + 1}, user=marker)
    CompletionRule.objects.create(programme=world.programme)
    programme_close(programme=world.programme, closed_on=datetime.date(2025, 12, 31), closed_by=marker)
    calendar_feed_reset(learner=enrollment.learner)
    Learner.objects.filter(pk=enrollment.learner_id).update(email="hoc.vien@example.vn")
    enrolment_emails_send(enrollment_ids=[enrollment.pk])
    return world


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_is_registered():
    unregistered = [model._meta.label for model in PRODUCT_MODELS if not admin.site.is_registered(model)]
    assert unregistered == []


def test_the_world_has_rows_in_every_model(admin_world):
    # What the page tests below rely on: each list shows rows, each change page has one to open.
    assert [model._meta.label for model in PRODUCT_MODELS if not model.objects.exists()] == []


@pytest.mark.parametrize("model", PRODUCT_MODELS, ids=lambda m: m._meta.label)
def test_every_changelist_and_change_page_opens_with_bounded_queries(
    superuser_client, admin_world, model, django_assert_max_num_queries
):
    # Bounded whatever the rows: list_select_related joins what each row shows.
    with django_assert_max_num_queries(15):
        response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0
    obj = model.objects.first()
    with django_assert_max_num_queries(40):
        assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_opens(superuser_client, model):
    assert superuser_client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", EDITABLE_MODELS, ids=lambda m: m._meta.label)
def test_add_page_opens(superuser_client, model):
    assert superuser_client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", EDITABLE_MODELS, ids=lambda m: m._meta.label)
def test_change_page_opens(superuser_client, model):
    obj = model.objects.first()
    assert obj is not None
    assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200


SERVICE_WRITTEN = [
    model
    for model in PRODUCT_MODELS
    if model._meta.label
    in {
        "courses.TrainingClass",
        "courses.ClassSession",
        "courses.ImportJob",
        "enrollment.Learner",
        "enrollment.Enrollment",
        "enrollment.Attendance",
        "enrollment.PresenceInterval",
        "enrollment.AuditEntry",
        "enrollment.StaleClass",
        "enrollment.LearnerDataAccess",
        "enrollment.CalendarFeed",
        "enrollment.Notification",
        "reporting.EnrollmentProgress",
        "reporting.ClassProgress",
        "reporting.Certificate",
        "reporting.StaleRollup",
        "reporting.StaleClaim",
        "reporting.RollupGeneration",
        "reporting.ProgressRollup",
        "reporting.TargetRevision",
    }
]


@pytest.mark.parametrize("model", SERVICE_WRITTEN, ids=lambda m: m._meta.label)
def test_data_the_services_write_is_only_viewed(superuser_client, admin_world, model):
    response = superuser_client.get(_url(model, "changelist"))
    assert response.context["has_add_permission"] is False
    assert _url(model, "add") not in response.content.decode()
    assert superuser_client.get(_url(model, "add")).status_code == 403
    obj = model.objects.first()
    page = superuser_client.get(_url(model, "change", obj.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert superuser_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_the_admin_speaks_vietnamese_by_default(superuser_client):
    with vietnamese_default():
        page = superuser_client.get(reverse("admin:index")).content.decode()
    for label in (
        "Danh mục và lớp bồi dưỡng",
        "Học viên, ghi danh và điểm danh",
        "Chỉ tiêu, tiến độ và báo cáo",
    ):
        assert label in page
    for label in (
        "Xã, phường",
        "Bộ chương trình, tài liệu",
        "Lớp bồi dưỡng",
        "Điểm danh",
        "Lịch sử thay đổi",
    ):
        assert label in page
    for english in ("Commune", "Curriculum set", "Training class", "Courses", "Enrollment", "Reporting"):
        assert f">{english}<" not in page
    assert '<html lang="vi"' in page  # Django's own words on the page are Vietnamese too


@pytest.mark.parametrize("how", ["header", "cookie"])
def test_the_admin_speaks_english_on_request(superuser_client, how):
    with vietnamese_default():
        if how == "header":
            response = superuser_client.get(reverse("admin:index"), headers={"accept-language": "en"})
        else:
            superuser_client.cookies["django_language"] = "en"
            response = superuser_client.get(reverse("admin:index"))
    page = response.content.decode()
    for label in (
        "Catalogue and training classes",
        "Learners, enrolment and attendance",
        "Targets, progress and reports",
    ):
        assert label in page
    for label in ("Commune", "Curriculum set", "Training class", "Attendance", "Audit history", "Import job"):
        assert label.lower() in page.lower()
    assert "Lớp bồi dưỡng" not in page
    assert "Xã, phường" not in page


def test_every_model_and_field_label_has_english():
    # The admin's headings, column titles and form labels. (Choice labels are shared with the
    # exports, imports and API answers, whose English is the translation work of issue 13.)
    labels = []
    for model in PRODUCT_MODELS:
        labels += [(model, model._meta.verbose_name), (model, model._meta.verbose_name_plural)]
        for field in model._meta.concrete_fields:
            if field.name != "id":
                labels.append((model, field.verbose_name))
    with vietnamese_default():
        with override("vi"):
            vietnamese = [str(label) for _model, label in labels]
        with override("en"):
            english = [str(label) for _model, label in labels]
    untranslated = [
        f"{model._meta.label}: {vi}"
        for (model, _label), vi, en in zip(labels, vietnamese, english, strict=True)
        if vi == en
    ]
    assert untranslated == []


# Sent to the admin's sign-in page.
@by_role(dict.fromkeys(["learner", "trainer", "province_admin", "central_admin"], 302))
def test_users_who_are_not_staff_cannot_open_the_admin(client, db, user_of, role, expected):
    client.force_login(user_of(role))
    for url in (reverse("admin:index"), _url(Learner, "changelist"), _url(Attendance, "changelist")):
        response = client.get(url)
        assert response.status_code == expected, url
        assert response["Location"].startswith(reverse("admin:login"))


def test_learner_list_filters_by_province_position_area_and_minority(superuser_client, admin_world):
    thai_nguyen = admin_world.thai_nguyen
    response = superuser_client.get(_url(Learner, "changelist"), {"province__id__exact": thai_nguyen.pk})
    assert response.context["cl"].result_count == Learner.objects.filter(province=thai_nguyen).count() > 0
    titles = {str(spec.title) for spec in response.context["cl"].filter_specs}
    expected = ("province", "position", "area_type", "is_ethnic_minority", "gender", "ethnicity")
    assert {str(Learner._meta.get_field(name).verbose_name) for name in expected} <= titles
    chair = admin_world.chair
    response = superuser_client.get(_url(Learner, "changelist"), {"position__id__exact": chair.pk})
    assert response.context["cl"].result_count == 2
    response = superuser_client.get(_url(Learner, "changelist"), {"is_ethnic_minority__exact": "1"})
    assert response.context["cl"].result_count == 2  # the two Tày chairmen


def test_attendance_filters_by_the_class_province(superuser_client, admin_world):
    url = _url(Attendance, "changelist")
    hanoi = superuser_client.get(url, {"session__training_class__province__id__exact": admin_world.hanoi.pk})
    expected = Attendance.objects.filter(session__training_class__province=admin_world.hanoi).count()
    assert hanoi.context["cl"].result_count == expected > 0
    assert expected < Attendance.objects.count()


def test_changelist_queries_do_not_grow_with_rows(superuser_client, django_assert_max_num_queries):
    # Communes and targets show their province (and more) in every row.
    for model in (Commune, Target, Curriculum, User):
        with django_assert_max_num_queries(12):
            assert superuser_client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("query", ["Ủy ban nhân dân", "uy ban nhan dan"])
def test_curriculum_search_ignores_diacritics(superuser_client, query):
    response = superuser_client.get(_url(Curriculum, "changelist"), {"q": query})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


def test_province_status_filter(superuser_client):
    response = superuser_client.get(_url(Province, "changelist"), {"status": "legacy"})
    assert response.context["cl"].result_count == 63


def test_programme_levels_are_edited_as_choices(superuser_client):
    programme = Programme.objects.get(code="ke-hoach-2021-2025")
    form = superuser_client.get(_url(Programme, "change", programme.pk)).context["adminform"].form
    assert form.initial["levels"] == ["central", "provincial", "elearning"]
    assert {value for value, _label in form.fields["levels"].choices} == {
        "central",
        "provincial",
        "elearning",
    }


def test_editing_a_starter_curriculum_makes_it_the_admins(superuser_client):
    curriculum = Curriculum.objects.get(code="csau-ubnd-dong-bang")
    data = {
        "code": curriculum.code,
        "version": curriculum.version,
        "title_vi": "Tên đã sửa",
        "title_en": curriculum.title_en,
        "description": curriculum.description,
        "positions": [p.pk for p in curriculum.positions.all()],
        "area_type": curriculum.area_type,
        "issued_on": curriculum.issued_on.isoformat(),
        "issued_by": curriculum.issued_by,
        "status": curriculum.status,
        "has_final_assessment": "on",
        "topics-TOTAL_FORMS": "0",
        "topics-INITIAL_FORMS": "0",
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(_url(Curriculum, "change", curriculum.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    curriculum.refresh_from_db()
    assert curriculum.title_vi == "Tên đã sửa"
    assert curriculum.is_starter is False
    assert curriculum.topics.count() == 6


def test_a_target_changed_here_is_in_its_history_with_who_changed_it(client, db):
    from reporting.models import Target

    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    target = Target.objects.filter(province=None).first()
    data = {
        "programme": target.programme_id,
        "level": target.level,
        "province": "",
        "curriculum": "",
        "position": "",
        "year": "",
        "target_luot": target.target_luot + 10,
        "target_classes": target.target_classes or "",
        "target_learners": "",
        "min_learners_per_class": target.min_learners_per_class or "",
        "budget_million_vnd": "",
        "note": target.note,
    }
    response = client.post(_url(Target, "change", target.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    revision = target.revisions.get()
    assert (revision.changed_by, revision.source, revision.target_luot) == (
        superuser,
        "admin",
        target.target_luot + 10,
    )
    assert revision.previous["target_luot"] == target.target_luot
