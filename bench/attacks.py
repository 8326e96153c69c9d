"""The attacks of issue 10, re-run over HTTP against a production-like set-up, with what held:
`make attacks` (or `.venv/bin/python bench/attacks.py`).

The set-up is the one the issue was found on: gunicorn with the production settings (two sync
workers, the 30 s timeout), a Celery worker on Redis and PostgreSQL, all on this machine. Redis is
a server of the run's own on a free port (the outage attack stops it and starts it again). A fresh
database (`cadre_attacks`, dropped and made again) gets the reference data and the demo dataset
through the demo's own commands; the demo accounts' passwords are set by this script. Every
request goes to 127.0.0.1.

Each attack prints the requests it made and whether the defence held; the exit status is 0 when
every one held, 1 when one did not, 2 when the set-up failed. The regression tests of each finding
are in the suite; this is the attacker's view of the same, end to end.

The attacks are the modules bench/items/attack_*.py; the client and the set-up are
bench/harness/attack_client.py and attack_world.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.attack_client import Outcome  # noqa: E402
from bench.harness.attack_world import ADMIN_URL, environment, set_up, start_gunicorn, start_redis  # noqa: E402
from bench.harness.basics import BenchError, log  # noqa: E402
from bench.harness.databases import check_postgres  # noqa: E402
from bench.harness.processes import stop_all  # noqa: E402
from bench.harness.results import attack_outcomes_print  # noqa: E402
from bench.items.attack_accounts import attack_deactivated, attack_tokens  # noqa: E402
from bench.items.attack_bad_requests import attack_level, attack_parameters  # noqa: E402
from bench.items.attack_exports import attack_exports  # noqa: E402
from bench.items.attack_hostile_files import attack_files  # noqa: E402
from bench.items.attack_outage import attack_outage  # noqa: E402
from bench.items.attack_personal_data import attack_personal_data  # noqa: E402


def main() -> int:
    check_postgres(ADMIN_URL)
    env = environment()
    try:
        redis_process = start_redis()
        world, _worker = set_up(env)
        base = start_gunicorn(env)
        log(f"gunicorn (production settings) on {base}")
        outcomes: list[Outcome] = []
        outcomes += attack_personal_data(base, world)
        outcomes.append(attack_files(base, world))
        outcomes += attack_exports(base, world)
        outcomes.append(attack_parameters(base, world))
        outcomes.append(attack_level(base, world))
        outcomes.append(attack_deactivated(base, world))
        outage, redis_process = attack_outage(base, world, redis_process)
        outcomes.append(outage)
        # Last: it changes a password and locks an account out.
        outcomes += attack_tokens(base, world)
    except BenchError as error:
        print(f"set-up failed: {error}", file=sys.stderr)
        return 2
    finally:
        stop_all()
    held = attack_outcomes_print(outcomes)
    return 0 if held == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
