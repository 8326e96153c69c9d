"""The arithmetic of annual training hours: periods of 45 minutes, the minimum a setting."""

from decimal import Decimal

from django.test import override_settings

from enrollment.rules.training_hours import annual_minimum_periods, periods_to_hours, short_by, year_bounds


def test_periods_of_45_minutes_in_hours():
    assert periods_to_hours(40) == Decimal("30.00")
    assert periods_to_hours(1) == Decimal("0.75")
    assert periods_to_hours(Decimal("2.5")) == Decimal("1.88")  # 112.5 minutes, rounded half up
    assert periods_to_hours(0) == Decimal("0.00")


def test_the_minimum_is_the_setting():
    assert annual_minimum_periods() == Decimal(40)
    with override_settings(TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS=32):
        assert annual_minimum_periods() == Decimal(32)


def test_short_by_is_never_negative():
    assert short_by(Decimal("24.5"), Decimal(40)) == Decimal("15.5")
    assert short_by(Decimal(44), Decimal(40)) == 0


def test_a_year_runs_from_the_first_of_january_to_the_last_of_december():
    first, last = year_bounds(2025)
    assert (first.isoformat(), last.isoformat()) == ("2025-01-01", "2025-12-31")
