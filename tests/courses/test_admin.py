"""The Django admin: every model is registered and its pages open for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from courses.models import Commune, Curriculum, Position, Programme, Province, User
from reporting.models import Baseline, Target
from tests.factories import UserFactory

OWN_MODELS = [User, Province, Commune, Position, Curriculum, Programme, Target, Baseline]


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_is_registered():
    for model in OWN_MODELS:
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_changelist_opens(superuser_client, model):
    assert superuser_client.get(_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda m: m._meta.label)
def test_add_page_opens(superuser_client, model):
    assert superuser_client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda m: m._meta.label)
def test_change_page_opens(superuser_client, model):
    obj = model.objects.first()
    assert obj is not None
    assert superuser_client.get(_url(model, "change", obj.pk)).status_code == 200


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
