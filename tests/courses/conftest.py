import pytest


@pytest.fixture
def production_language(settings):
    """Vietnamese as the default language, as in production.

    The tests run with LANGUAGE_CODE="en", and Django falls back to the default language's
    catalogue for strings a language does not translate: Vietnamese source strings would come
    out in English. Resetting LOCALE_PATHS drops the cached catalogues built with that fallback.
    """
    settings.LANGUAGE_CODE = "vi"
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)
    return settings
