"""Positions, provinces, communes, ethnicities and genders as people write them, resolved to what
is stored.

`Vocabulary.load()` reads the reference tables and every alias (courses.Alias: the built-in ones
loaded from courses/reference, and those admins add) in five queries; each method then resolves
one cell with dictionary look-ups, so a 20,000-row file costs no query per row. Every value is
looked up under its kind's folded key (courses.selectors.vocabulary_keys): abbreviations, unit prefixes,
case, diacritics and punctuation do not count. The official names match first, then aliases; an
alias an admin added wins over a built-in one of the same spelling. A value matching nothing is a
ValueError whose message names up to three closest candidates.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from courses.core.files.cells import as_text
from courses.core.text import nfc
from courses.models import Alias, AliasKind, Commune, Position, Province
from courses.reference import REFERENCE_DIR
from courses.selectors.vocabulary_keys import (
    commune_key,
    ethnicity_key,
    gender_key,
    position_key,
    province_key,
)

# The values enrollment.models.Gender stores (courses does not import enrollment; a test checks
# that the two agree).
GENDER_VALUES = ("male", "female", "other")

# Closest candidates cost a scan of the names; a file whose every row names an unknown commune has
# the wrong column, not thousands of typos, so past this many distinct unknown values the message
# names none.
_CANDIDATE_SEARCHES = 500


@functools.cache
def _ethnicities_file() -> list[dict]:
    return json.loads((REFERENCE_DIR / "ethnicities.json").read_text(encoding="utf-8"))["ethnicities"]


def official_ethnicities() -> tuple[str, ...]:
    """The 54 official names, in the statistics office's order (courses/reference/ethnicities.json)."""
    return tuple(item["name"] for item in _ethnicities_file())


def official_ethnicity(value: str) -> str | None:
    """The official name an official name or a listed variant stands for; None if neither."""
    key = ethnicity_key(value)
    for item in _ethnicities_file():
        if key in {ethnicity_key(spelling) for spelling in (item["name"], *item["variants"])}:
            return item["name"]
    return None


@dataclass(frozen=True)
class _Refusal:
    message: str


@dataclass(frozen=True)
class CommuneMatch:
    commune: Commune
    # The commune as it was before 1 July 2025 when the value named it ("Xã Phúc Xá, Quận Ba
    # Đình, Thành phố Hà Nội"); "" when the value is a current name or an admin's alias.
    former: str = ""


@dataclass
class _Names:
    """Folded key -> targets, official names apart from aliases, with a label per key for the
    closest candidates."""

    official: dict[str, list] = field(default_factory=dict)
    aliases: dict[str, list] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, target, label: str, *, alias: bool = False) -> None:
        if not key:
            return
        targets = (self.aliases if alias else self.official).setdefault(key, [])
        if target not in targets:
            targets.append(target)
        self.labels.setdefault(key, label)

    def find(self, key: str) -> list:
        return self.official.get(key) or self.aliases.get(key) or []


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)


class Vocabulary:
    def __init__(self):
        self.positions = _Names()
        self.provinces = _Names()  # targets: (province, named by a legacy unit)
        self.ethnicities = _Names()
        self.genders = _Names()
        # Communes by (current province id, key) and by key alone; aliases are (commune, former).
        self.communes = _Names()
        self.communes_anywhere = _Names()
        self.provinces_by_id: dict[int, Province] = {}
        self._candidates: dict[tuple[int, str], list[str]] = {}
        self._memo: dict[tuple, object] = {}

    @classmethod
    def load_positions(cls) -> Vocabulary:
        """Positions only (two queries), for the catalogue, which names no place or person."""
        vocabulary = cls()
        vocabulary._load_positions(Position.objects.all())
        vocabulary._all_provinces = {}
        vocabulary._communes_by_id = {}
        vocabulary._load_aliases(vocabulary._alias_rows().filter(kind=AliasKind.POSITION))
        return vocabulary

    @classmethod
    def load_ethnicities(cls) -> Vocabulary:
        """Ethnicities only (one query, the aliases), for a learner written through the API."""
        vocabulary = cls()
        vocabulary._positions_by_id = {}
        vocabulary._all_provinces = {}
        vocabulary._communes_by_id = {}
        for name in official_ethnicities():
            vocabulary.ethnicities.add(ethnicity_key(name), name, name)
        vocabulary._load_aliases(vocabulary._alias_rows().filter(kind=AliasKind.ETHNICITY))
        return vocabulary

    @staticmethod
    def _alias_rows():
        # Admins' aliases first: the first target of a key wins (see _load_aliases).
        return Alias.objects.order_by("is_builtin", "id").values_list(
            "kind", "key", "position_id", "province_id", "commune_id", "value", "note", "is_builtin"
        )

    @classmethod
    def load(cls) -> Vocabulary:
        vocabulary = cls()
        vocabulary._load_positions(Position.objects.all())
        provinces = list(Province.objects.all())
        vocabulary._load_provinces(provinces)
        vocabulary._load_communes(
            Commune.objects.only("id", "code", "name", "division_type", "province_id", "area_type")
        )
        for name in official_ethnicities():
            vocabulary.ethnicities.add(ethnicity_key(name), name, name)
        for value in GENDER_VALUES:
            vocabulary.genders.add(gender_key(value), value, value)
        vocabulary._load_aliases(vocabulary._alias_rows())
        return vocabulary

    def _load_positions(self, positions: Iterable[Position]) -> None:
        self._positions_by_id = {}
        for position in positions:
            self._positions_by_id[position.pk] = position
            for spelling in (position.name_vi, position.code, position.name_en):
                if spelling:
                    self.positions.add(position_key(spelling), position, position.name_vi)

    def _load_provinces(self, provinces: list[Province]) -> None:
        by_id = {province.pk: province for province in provinces}
        # Current units first, so that a code both periods use (01: Hà Nội) names the current one.
        for province in sorted(provinces, key=lambda p: not p.is_current):
            unit = province if province.is_current else by_id[province.successor_id]
            for spelling in (province.name, province.code, province.codename):
                key = province_key(spelling)
                if key not in self.provinces.official:
                    self.provinces.add(key, (unit, not province.is_current), province.name)
            if province.is_current:
                self.provinces_by_id[province.pk] = province
        self._all_provinces = by_id

    def _load_communes(self, communes: Iterable[Commune]) -> None:
        self._communes_by_id = {}
        for commune in communes:
            self._communes_by_id[commune.pk] = commune
            key = commune_key(commune.name)
            self.communes.add(f"{commune.province_id}:{key}", commune, commune.name)
            province = self.provinces_by_id[commune.province_id]
            self.communes_anywhere.add(key, commune, f"{commune.name} ({province.name})")

    def _load_aliases(self, aliases: Iterable[tuple]) -> None:
        for kind, key, position_id, province_id, commune_id, value, note, is_builtin in aliases:
            match kind:
                case AliasKind.POSITION:
                    position = self._positions_by_id.get(position_id)
                    if position is not None:
                        self.positions.add(key, position, position.name_vi, alias=True)
                case AliasKind.PROVINCE:
                    province = self._all_provinces.get(province_id)
                    if province is not None:
                        unit = province if province.is_current else self._all_provinces[province.successor_id]
                        self.provinces.add(key, (unit, not province.is_current), unit.name, alias=True)
                case AliasKind.ETHNICITY:
                    self.ethnicities.add(key, value, value, alias=True)
                case AliasKind.GENDER:
                    self.genders.add(key, value, value, alias=True)
                case AliasKind.COMMUNE:
                    self._commune_alias(key, province_id, commune_id, note, is_builtin)

    def _commune_alias(
        self, key: str, province_id: int, commune_id: int, note: str, is_builtin: bool
    ) -> None:
        commune = self._communes_by_id.get(commune_id)
        if commune is None:
            return
        scoped = f"{province_id}:{key}"
        existing = self.communes.aliases.get(scoped)
        # An admin's alias replaces the built-in meanings of its spelling in its province.
        if existing and existing[0][2] != is_builtin:
            return
        target = (commune, note if is_builtin else "", is_builtin)
        province = self.provinces_by_id[commune.province_id]
        self.communes.add(scoped, target, commune.name, alias=True)
        self.communes_anywhere.add(key, target, f"{commune.name} ({province.name})", alias=True)

    # --- resolving ------------------------------------------------------------------------------

    def position(self, value) -> Position:
        return self._remembered(("position", value), lambda: self._position(value))

    def _position(self, value) -> Position:
        key = position_key(as_text(value))
        found = self.positions.find(key)
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(
                _("“%(value)s” có thể là nhiều chức danh: %(names)s. Hãy ghi tên đầy đủ hoặc mã.")
                % {"value": value, "names": _quoted(p.name_vi for p in found)}
            )
        raise ValueError(
            self._with_candidates(
                _("Không có chức danh “%(value)s”.") % {"value": value}, self.positions, key
            )
        )

    def province(self, value) -> tuple[Province, bool]:
        return self._remembered(("province", value), lambda: self._province(value))

    def _province(self, value) -> tuple[Province, bool]:
        """(current province, whether it was named by a legacy unit); ValueError if unknown."""
        key = province_key(as_text(value))
        found = self.provinces.find(key)
        if found:
            return found[0]
        raise ValueError(
            self._with_candidates(_("Không có tỉnh “%(value)s”.") % {"value": value}, self.provinces, key)
        )

    def ethnicity(self, value) -> str:
        return self._remembered(("ethnicity", value), lambda: self._ethnicity(value))

    def _ethnicity(self, value) -> str:
        """The official name of the ethnic group."""
        key = ethnicity_key(as_text(value))
        found = self.ethnicities.find(key)
        if found:
            return found[0]
        message = _("Không có dân tộc “%(value)s” trong danh mục 54 dân tộc.") % {"value": value}
        raise ValueError(self._with_candidates(message, self.ethnicities, key))

    def gender(self, value) -> str:
        return self._remembered(("gender", value), lambda: self._gender(value))

    def _gender(self, value) -> str:
        """ "male", "female" or "other"."""
        found = self.genders.find(gender_key(as_text(value)))
        if found:
            return found[0]
        raise ValueError(_("“%(value)s” không hợp lệ: hãy ghi “Nam” hoặc “Nữ”.") % {"value": value})

    def commune(self, value, province: Province | None, *, near: Province | None = None) -> CommuneMatch:
        """The commune of that name in `province`; with no province, the one in `near` (the class's
        province) or else the only one of that name anywhere. A name in force before 1 July 2025
        is read as the commune it became part of. ValueError if none or ambiguous."""
        text = as_text(value)
        memo_key = ("commune", text, province.pk if province else None, near.pk if near else None)
        return self._remembered(memo_key, lambda: self._commune(text, province, near))

    def _remembered(self, memo_key: tuple, resolve):
        """A file repeats the same few values thousands of times: each is resolved once."""
        if memo_key not in self._memo:
            try:
                self._memo[memo_key] = resolve()
            except ValueError as exc:
                self._memo[memo_key] = _Refusal(str(exc))
        found = self._memo[memo_key]
        if isinstance(found, _Refusal):
            raise ValueError(found.message)
        return found

    def _commune(self, value: str, province: Province | None, near: Province | None) -> CommuneMatch:
        key = commune_key(value)
        scope = province or near
        if scope is not None:
            scoped = f"{scope.pk}:{key}"
            match = self._one_commune(
                value, self.communes.official.get(scoped, []), self.communes.aliases.get(scoped, [])
            )
            if match is not None:
                return match
            if province is not None:
                message = _(
                    "Không có xã, phường “%(value)s” ở %(province)s (danh mục 34 tỉnh từ 01/7/2025)."
                ) % {
                    "value": value,
                    "province": province.name,
                }
                return self._raise_with_candidates(message, key, scope)
        match = self._one_commune(
            value,
            self.communes_anywhere.official.get(key, []),
            self.communes_anywhere.aliases.get(key, []),
            anywhere=True,
        )
        if match is not None:
            return match
        message = _("Không có xã, phường “%(value)s” (danh mục 34 tỉnh từ 01/7/2025).") % {"value": value}
        return self._raise_with_candidates(message, key, near)

    def _one_commune(
        self, value: str, current: list, former: list, *, anywhere: bool = False
    ) -> CommuneMatch | None:
        if len(current) > 1:
            current = _same_spelling(value, current) or current
        if len(current) == 1:
            return CommuneMatch(current[0])
        if current:
            raise ValueError(
                _("Có nhiều xã, phường tên “%(value)s”: hãy ghi cả cột Tỉnh.") % {"value": value}
                if anywhere
                else _("Có nhiều xã, phường tên “%(value)s”: %(names)s. Hãy ghi đúng tên có dấu.")
                % {"value": value, "names": _quoted(c.name for c in current)}
            )
        communes = {commune.pk: (commune, note) for commune, note, _builtin in former}
        if len(communes) == 1:
            commune, note = next(iter(communes.values()))
            return CommuneMatch(commune, note)
        if communes and anywhere and len({c.province_id for c, _note in communes.values()}) > 1:
            raise ValueError(
                _("“%(value)s” (tên trước 01/7/2025) có ở nhiều tỉnh: hãy ghi cả cột Tỉnh.")
                % {"value": value}
            )
        if communes:
            names = _quoted(commune.name for commune, _note in communes.values())
            raise ValueError(
                _(
                    "“%(value)s” (tên trước 01/7/2025) nay thuộc nhiều xã, phường: %(names)s. Hãy ghi tên xã, phường hiện nay."
                )
                % {"value": value, "names": names}
            )
        return None

    def _raise_with_candidates(self, message: str, key: str, scope: Province | None):
        names = self.communes if scope is not None else self.communes_anywhere
        prefix = f"{scope.pk}:" if scope is not None else ""
        raise ValueError(self._with_candidates(message, names, prefix + key, prefix=prefix))

    def _with_candidates(self, message: str, names: _Names, key: str, *, prefix: str = "") -> str:
        candidates = self._closest(names, key, prefix)
        if not candidates:
            return message
        return f"{message} {_('Gần nhất: %(names)s.') % {'names': _quoted(candidates)}}"

    def _closest(self, names: _Names, key: str, prefix: str) -> list[str]:
        memo = (id(names), key)
        if memo in self._candidates:
            return self._candidates[memo]
        if len(self._candidates) >= _CANDIDATE_SEARCHES:
            return []
        # Scoped keys ("12:tanlap") are compared without their province, which all share.
        pool = {k.removeprefix(prefix): label for k, label in names.labels.items() if k.startswith(prefix)}
        labels: list[str] = []
        for match in difflib.get_close_matches(key.removeprefix(prefix), pool, n=10, cutoff=0.6):
            label = pool[match]
            if label not in labels:
                labels.append(label)
        self._candidates[memo] = labels[:3]
        return labels[:3]


def _same_spelling(value: str, communes: list[Commune]) -> list[Commune]:
    """Of communes whose names fold alike ("Tân An", "Tấn An"), those written exactly as `value`,
    with or without their unit word."""
    wanted = " ".join(nfc(value).casefold().split())
    found = []
    for commune in communes:
        name = commune.name.casefold()
        unit = f"{commune.division_type.casefold()} "
        if wanted in (name, name.removeprefix(unit)):
            found.append(commune)
    return found
