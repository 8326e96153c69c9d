"""Pieces every file importer shares: its report, and progress visible while it runs.

An importer (the catalogue, an enrolment list) checks every row first and writes only when
no row is wrong, in one transaction, so a bad file never leaves half an import behind.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem, too_large_error

logger = logging.getLogger(__name__)


def upload_size_check(size: int) -> None:
    """An uploaded file over IMPORT_MAX_FILE_BYTES is refused (413, naming `file`), before it is read."""
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise too_large_error(
            _("Tệp lớn hơn %(size)d MB.") % {"size": settings.IMPORT_MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Human-readable keys of records this import retired, e.g. "csau-ubnd-dong-bang v1".
    retired: list[str] = field(default_factory=list)
    # One entry per record the file describes: its key, first row and what the import does to it.
    items: list[dict] = field(default_factory=list)
    errors: list[ErrorItem] = field(default_factory=list)
    # Things worth telling that did not stop the import (e.g. a repeated row merged), by row and field.
    warnings: list[ErrorItem] = field(default_factory=list)
    # Counts particular to an import kind, e.g. {"learners_created": 12, "waitlisted": 3}.
    details: dict = field(default_factory=dict)
    # HTTP status a failure maps to (400 for bad rows or file, 403, 500 for an unexpected error).
    error_status: int | None = None
    # How the file was read (courses.core.files.tabular.Table.describe()): the sheet, the heading rows, the
    # columns found and those no field claimed, so the user sees in the dry run what to map.
    file: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict:
        return {
            "kind": str(self.kind),
            "dry_run": self.dry_run,
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "retired": list(self.retired),
            "items": list(self.items),
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "details": dict(self.details),
            "error_status": self.error_status,
            "file": None if self.file is None else dict(self.file),
        }


class JobProgress:
    """Writes a job's processed_rows where pollers see it while the import's transaction is open.

    Written on the import's own connection the count would stay invisible until the import
    commits, so it goes through a second connection that commits each write at once. The import
    must therefore never hold a lock on the job row, or this connection would wait for it.
    Progress is best effort: a failed write is logged and never fails the import.
    """

    def __init__(self, job_id: int, *, table: str, interval: float = 0.5):
        self.job_id = job_id
        self.table = table
        self.interval = interval
        self._connection = None
        self._last_write = 0.0
        self._pending: int | None = None
        # SQLite (the no-install development set-up) locks the whole file for the import's
        # transaction, and an in-memory test database is not shared between connections.
        self._enabled = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"

    def __call__(self, processed: int) -> None:
        if not self._enabled:
            return
        self._pending = processed
        now = time.monotonic()
        if now - self._last_write >= self.interval:
            self._flush()
            self._last_write = now

    def _flush(self) -> None:
        if self._pending is None or not self._enabled:
            return
        processed, self._pending = self._pending, None
        try:
            if self._connection is None:
                self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self._connection.ops.quote_name(self.table)
            with self._connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = %s WHERE id = %s AND total_rows >= %s",  # noqa: S608 - table name from model meta
                    [processed, self.job_id, processed],
                )
        except DatabaseError:
            logger.warning("progress of import job %s could not be written", self.job_id, exc_info=True)
            self._enabled = False

    def close(self) -> None:
        self._flush()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
