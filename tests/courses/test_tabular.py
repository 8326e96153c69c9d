"""The cell parsers every importer shares (courses.tabular)."""

import pytest

from courses.tabular import as_int


@pytest.mark.parametrize("value", ["Infinity", "-inf", "NaN", "sNaN", float("inf")])
def test_a_number_that_is_no_whole_number_is_refused_with_a_message(value):
    """Decimal reads these; int() of them raised OverflowError or InvalidOperation, which no importer
    catches: the import ended as a server error."""
    with pytest.raises(ValueError, match="không phải là số nguyên|is not a whole number|integer"):
        as_int(value, minimum=1)
