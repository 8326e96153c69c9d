"""Rebuild legacy_provinces.json: the 63 provinces in force until 30 June 2025 and the current
province each one became part of.

Run from the project root with the project's virtual environment (it needs network access to PyPI):

    python -m courses.reference.build_legacy_provinces

Where the 63 -> 34 mapping comes from: the `vietnam-provinces` package's 0.6 line lists the 63
provinces with their districts and wards; its 2025.x line (installed by requirements.txt) lists
the 34 provinces and their wards. Each new ward keeps the code of one of the old wards merged
into it, so the old province of any new ward's code tells which old provinces a new province
took in. Every one of the 63 lands in exactly one of the 34; the script fails if that ever
stops being true.
"""

import json
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

import vietnam_provinces

LEGACY_PACKAGE = "vietnam-provinces==0.6.0"
OUTPUT = Path(__file__).with_name("legacy_provinces.json")


def _legacy_divisions() -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(  # noqa: S603 - fixed argument list, no user input
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", folder, LEGACY_PACKAGE],
            check=True,
        )
        wheel = next(Path(folder).glob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            return json.loads(archive.read("vietnam_provinces/data/nested-divisions.json"))


def build() -> dict:
    legacy = _legacy_divisions()
    current = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    legacy_province_of_ward = {
        ward["code"]: province["code"]
        for province in legacy
        for district in province["districts"]
        for ward in district["wards"]
    }
    successors = defaultdict(set)
    for province in current:
        for ward in province["wards"]:
            old = legacy_province_of_ward.get(ward["code"])
            if old is not None:
                successors[old].add(province["code"])
    provinces = []
    for province in legacy:
        targets = successors.get(province["code"], set())
        if len(targets) != 1:
            raise SystemExit(f"{province['name']} maps to {sorted(targets)}, expected exactly one province")
        provinces.append(
            {
                "code": f"{province['code']:02d}",
                "name": province["name"],
                "codename": province["codename"],
                "division_type": province["division_type"],
                "successor_code": f"{targets.pop():02d}",
            }
        )
    return {
        "source": f"{LEGACY_PACKAGE} and vietnam-provinces=={vietnam_provinces.__version__}",
        "provinces": provinces,
    }


if __name__ == "__main__":
    OUTPUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
