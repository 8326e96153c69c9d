"""The computed answers of the admins' reports, cached (courses.core.versioned_cache) so that a report
read again costs a cache round trip instead of its queries and its rendering.

The version the answers are stored under is replaced by every write of the rows reports read (a
province's or the national rows of a generation, their targets, and so a generation published:
reporting.services.rollups) and by every change of the reference data they show besides those rows
(programmes, targets, baselines, provinces, curricula: reporting.receivers). So a report never shows figures
older than the rows it reads, however long ago its answer was computed.
"""

from courses.core.versioned_cache import VersionedCache

# Long enough for a dashboard's readers to share an answer, short enough that the answers of
# replaced versions leave Redis soon.
answers = VersionedCache("reports", timeout=10 * 60)


def invalidate() -> None:
    """The figures or reference data reports show are changing (now and at commit)."""
    answers.invalidate()
