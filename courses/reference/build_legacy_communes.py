"""Rebuild legacy_communes.json: every commune, ward and town (xã, phường, thị trấn) in force until
30 June 2025, under its old district and old province, with the code of the current commune it
became part of on 1 July 2025.

Run from the project root with the project's virtual environment (it needs network access to PyPI):

    python -m courses.reference.build_legacy_communes

Where the mapping comes from: the `vietnamadminunits` package (MIT licence, by Trần Ngọc Minh
Hiếu) ships the 10,000-odd old wards with their districts and provinces (`data/dataset.db`, table
`admin_units_legacy`), the 3,321 new ones with their official codes (table `admin_units`) and,
compiled from the National Assembly Standing Committee's 2025 resolutions on the reorganisation of
commune-level units, which old wards each new ward took in (`data/converter_2025.json`). An old
ward taken in whole maps to one code; one split between several new wards maps to the list of
them (the importer then asks for the new name instead of guessing). The package's own ward codes
differ from the official ones in about a hundred places (renumbered since), so each new ward is
found by its province and name in the `vietnam-provinces` package the project loads its communes
from, and the code written is that package's; the script fails if a name is not found there.
"""

import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import vietnam_provinces

from courses.core.text import fold

PACKAGE = "vietnamadminunits==1.0.4"
OUTPUT = Path(__file__).with_name("legacy_communes.json")


def _name_key(name: str) -> str:
    """Folded, punctuation as spaces: "Chân Mây - Lăng Cô" and "Chân Mây – Lăng Cô" are one name."""
    return re.sub(r"[^0-9a-z]+", " ", fold(name)).strip()


def _package_data(folder: str) -> tuple[dict, sqlite3.Connection]:
    subprocess.run(  # noqa: S603 - fixed argument list, no user input
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", folder, PACKAGE],
        check=True,
    )
    wheel = next(Path(folder).glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        converter = json.loads(archive.read("vietnamadminunits/data/converter_2025.json"))
        database = Path(folder) / "dataset.db"
        database.write_bytes(archive.read("vietnamadminunits/data/dataset.db"))
    return converter, sqlite3.connect(database)


def build() -> dict:
    current = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    # (province code, name key) -> official code; folding also equates "Hòa" and "Hoà".
    official = {
        (f"{province['code']:02d}", _name_key(ward["name"])): f"{ward['code']:05d}"
        for province in current
        for ward in province["wards"]
    }
    with tempfile.TemporaryDirectory() as folder:
        converter, db = _package_data(folder)
        new_code = {}
        for province_key, ward_key, province_code, name in db.execute(
            "SELECT provinceKey, wardKey, provinceCode, ward FROM admin_units"
        ):
            code = official.get((province_code, _name_key(name)))
            if code is None:
                raise SystemExit(f"{name} ({province_code}) is not in vietnam-provinces")
            new_code[(province_key, ward_key)] = code
        old_units = {
            f"{pk}_{dk}_{wk}": (pcode, province, district, ward)
            for pk, dk, wk, pcode, province, district, ward in db.execute(
                "SELECT provinceKey, districtKey, wardKey, provinceCode, province, district, ward "
                "FROM admin_units_legacy"
            )
        }
        db.close()

    targets: dict[str, set[str]] = {}
    for new_province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in wards.items():
            for old in olds:
                targets.setdefault(old, set()).add(new_code[(new_province, new_ward)])
    for new_province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            for part in parts:
                targets.setdefault(old, set()).add(new_code[(new_province, part["newWardKey"])])

    provinces: dict[str, dict] = {}
    for old, codes in sorted(targets.items()):
        if old not in old_units:
            continue  # island districts without wards (Bạch Long Vĩ, Cồn Cỏ, ...): nothing to name
        province_code, province, district, ward = old_units[old]
        entry = provinces.setdefault(province_code, {"name": province, "districts": {}})
        wards = entry["districts"].setdefault(district, {})
        wards[ward] = sorted(codes)[0] if len(codes) == 1 else sorted(codes)
    return {
        "source": f"{PACKAGE} (MIT), data/converter_2025.json and data/dataset.db; new communes "
        f"matched by name to vietnam-provinces {vietnam_provinces.__version__}",
        "valid_until": "2025-06-30",
        "provinces": dict(sorted(provinces.items())),
    }


def main() -> None:
    data = build()
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    count = sum(len(w) for p in data["provinces"].values() for w in p["districts"].values())
    print(f"{count} old communes of {len(data['provinces'])} old provinces written to {OUTPUT}")


if __name__ == "__main__":
    main()
