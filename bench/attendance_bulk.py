"""Benchmark: a JSON bulk attendance request of 6,300 records, and a class of 2,100 learners' roster,
sheet and exports, through the API as a client sees them.

Run against PostgreSQL (the figures that matter), on a migrated database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/attendance_bulk.py

or `DEBUG=false python manage.py shell -c "from bench.attendance_bulk import main; main()"`. Options:
--learners N (default 2100) and --sessions N (default 3): the bulk request has N x N records.

Everything is created in one transaction that is rolled back at the end, so the database is left as
it was; the recompute the writes enqueue after commit therefore never runs (it is asynchronous in
production anyway). Not a test: timings depend on the machine. What is measured is
bench/items/attendance_bulk.py.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # Debug mode keeps every query in memory, which would be measured too.
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()

from django.db import transaction  # noqa: E402

from bench.items.attendance_bulk import measure  # noqa: E402


class Rollback(Exception):
    pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2100)
    parser.add_argument("--sessions", type=int, default=3)
    args = parser.parse_args(argv if argv is not None else [])
    try:
        with transaction.atomic():
            measure(args.learners, args.sessions)
            raise Rollback
    except Rollback:
        print("rolled back: the database is as it was")


if __name__ == "__main__":
    main(sys.argv[1:])
