"""Where the benchmarks live and write, how they speak (log) and how they stop (BenchError).

No Django import in the harness at module level: each entry point decides which database Django
uses before setup.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
LOG_DIR = RESULTS / "logs"


class BenchError(RuntimeError):
    """A condition that stops the run with a clear message and a non-zero exit."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)
