"""What the apps above courses plug into it, named in settings by dotted path: every kind is named,
and every name resolves to what courses calls."""

from django.conf import settings
from django.utils.module_loading import import_string

from courses.models import ImportKind, MappingKind
from courses.services.column_mappings import mapping_columns
from courses.services.import_jobs import import_item_actions, import_item_learners, importer_for


def test_every_import_kind_has_an_importer():
    assert set(settings.IMPORTERS) == set(ImportKind.values)
    for kind in ImportKind.values:
        importer = importer_for(kind)
        assert importer.columns and callable(importer.may_run) and callable(importer.run)
        assert importer.actions


def test_the_report_item_actions_are_every_importer_s():
    assert import_item_actions() == [
        "created",
        "updated",
        "unchanged",
        "enrolled",
        "waitlisted",
        "re_enrolled",
    ]


def test_the_report_item_learners_are_the_enrolment_importer_s():
    assert import_item_learners() == ["created", "existing"]


def test_every_mapping_kind_has_its_columns():
    assert set(settings.MAPPING_COLUMNS) == set(MappingKind.values)
    for kind in MappingKind.values:
        assert mapping_columns(kind)
    assert mapping_columns("unknown") is None


def test_the_class_hooks_and_figures_resolve():
    for path in settings.CLASS_CHANGE_HOOKS:
        assert callable(import_string(path))
    assert callable(import_string(settings.CLASS_ENROLLMENT_FIGURES))
    assert callable(import_string(settings.CLASSES_WITH_SEAT))
    assert import_string(settings.ENROLLMENT_STATUSES).values == [
        "waitlisted",
        "enrolled",
        "withdrawn",
        "completed",
        "not_completed",
    ]
