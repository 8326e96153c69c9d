import pytest

from tests.reporting.report_world import vietnamese_default


@pytest.fixture(autouse=True)
def _vietnamese_site():
    """The pages as a Vietnamese site serves them (the test settings default to English)."""
    with vietnamese_default():
        yield
