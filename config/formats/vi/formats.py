"""Vietnamese number formats beside Django's (django/conf/locale/vi/formats.py, which keeps its
dates and separators): figures are grouped by thousands, 1.234,5, when a page asks for grouping
(number_format(..., force_grouping=True): reporting.templatetags.figures). Django's module sets no
NUMBER_GROUPING, so Vietnamese would otherwise group nothing. USE_THOUSAND_SEPARATOR stays off:
years and ids in pages and the admin are not figures."""

NUMBER_GROUPING = 3
