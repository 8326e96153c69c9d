"""Write every file of the corpus to a folder, to open them as a user would:

    .venv/bin/python -m tests.corpus.build /tmp/corpus

Each family module offers its files through a function returning objects with `name`, `content`
and `note`; the files land in a subfolder per family, with an index (README.txt) saying what each
one is and what the import must do with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.corpus import rosters

FAMILIES = {"rosters": rosters.all_rosters}


def build(folder: Path) -> list[Path]:
    written = []
    index = []
    for family, make in FAMILIES.items():
        target = folder / family
        target.mkdir(parents=True, exist_ok=True)
        for number, item in enumerate(make(), start=1):
            path = target / f"{number:02d}-{item.name}"
            path.write_bytes(item.content)
            written.append(path)
            index.append(f"{family}/{path.name}: {item.note}")
    (folder / "README.txt").write_text("\n".join(index) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for path in build(out):
        print(path)
