"""The meeting platforms' participant reports: which platform wrote a file, and its rows as
`Entry` objects (one module per platform; times and their date order in `times`).

Detection reads the table's headings (and Teams' sections): Teams first (its Role, UPN or old
"User Action" columns, or its "In-Meeting Activities" section), then Zoom ("Guest",
"Name (Original Name)", "Duration (Minutes)"), then Meet ("First name"/"Last name",
"Time joined"), else the project's template.
"""

from __future__ import annotations

from courses.core.files.tabular import Table
from enrollment.files.platform_reports import meet, teams, template, zoom

PLATFORMS = (teams, zoom, meet, template)
PLATFORM_NAMES = tuple(p.NAME for p in PLATFORMS)
# Titles of the sections the reader looks under for the table (see courses.core.files.tabular.read_table).
SECTIONS = teams.SECTIONS


def detect(table: Table):
    return next(p for p in PLATFORMS if p.detect(table))
