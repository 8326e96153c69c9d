from django.core.management import call_command

from courses.models import Commune, Curriculum, Position, Province, Topic
from reporting.models import Baseline, Target


def _snapshot():
    return {
        "provinces": sorted(Province.objects.values_list("id", "code", "name", "valid_from", "successor_id")),
        "communes": Commune.objects.count(),
        "positions": sorted(Position.objects.values_list("id", "code", "name_vi")),
        "curricula": sorted(Curriculum.objects.values_list("id", "code", "version", "title_vi")),
        "topics": sorted(Topic.objects.values_list("id", "curriculum_id", "order", "hours")),
        "targets": sorted(Target.objects.values_list("id", "programme__code", "level", "target_luot")),
        "baselines": sorted(Baseline.objects.values_list("id", "achieved_luot")),
    }


def test_63_legacy_and_34_current_provinces(db):
    assert Province.objects.legacy().count() == 63
    assert Province.objects.current().count() == 34


def test_every_legacy_province_is_mapped_to_a_current_one(db):
    legacy = Province.objects.legacy()
    assert not legacy.filter(successor__isnull=True).exists()
    assert not legacy.filter(successor__valid_until__isnull=False).exists()
    bac_kan = legacy.get(code="06")
    assert bac_kan.successor.code == "19"
    assert bac_kan.current_unit.name.endswith("Thái Nguyên")
    # Every current province took in at least one legacy province (often itself).
    assert Province.objects.current().filter(predecessors__isnull=True).count() == 0


def test_each_province_has_a_macro_region(db):
    assert Province.objects.get(code="01", valid_until__isnull=True).region == "north"
    assert Province.objects.get(code="46", valid_until__isnull=True).region == "central"
    assert Province.objects.get(code="79", valid_until__isnull=True).region == "south"


def test_communes_of_current_provinces_are_loaded(db):
    assert Commune.objects.count() > 3000
    assert not Commune.objects.filter(province__valid_until__isnull=False).exists()


def test_starter_catalogue_covers_the_positions(db):
    starter = Curriculum.objects.filter(is_starter=True)
    assert starter.count() == 28
    served = set(starter.values_list("positions__category", flat=True))
    assert {"elected", "appointed", "part_time"} <= served
    assert all(c.total_hours > 0 for c in starter.with_total_hours())


def test_2021_2025_targets_and_historical_baselines(db):
    targets = dict(
        Target.objects.filter(programme__code="ke-hoach-2021-2025").values_list("level", "target_luot")
    )
    assert targets == {"central": 100000, "provincial": 400000, "elearning": 5000}
    assert Baseline.objects.get(programme__code="qd-1956-2010-2015").achieved_luot == 403183
    assert Baseline.objects.get(programme__code="qd-1600-2016-2020", level="").achieved_luot == 146691


def test_loading_twice_changes_nothing(db):
    before = _snapshot()
    call_command("load_reference_data", verbosity=0)
    assert _snapshot() == before


def test_reload_keeps_a_curriculum_an_admin_imported(db):
    curriculum = Curriculum.objects.get(code="csau-ubnd-dong-bang")
    Curriculum.objects.filter(pk=curriculum.pk).update(is_starter=False, title_vi="Tên chính thức")
    call_command("load_reference_data", verbosity=0)
    curriculum.refresh_from_db()
    assert curriculum.title_vi == "Tên chính thức"
