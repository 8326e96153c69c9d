"""The folded key under which a value of each vocabulary is looked up, one rule per kind.

Every spelling, official or alias, is stored and looked up under the same key, so "Chủ tịch
UBND xã", "CT UBND" and "Chủ tịch Ủy ban nhân dân" meet under one key, as do "Ê-đê", "Êđê" and
"Ê Đê". The rules are pure text (no database), so the Alias model computes its key on save with
them and the resolver (courses.selectors.vocabularies) folds each cell with them.

What every key does: drop diacritics and case (so "ủy" and "uỷ" are one word), read punctuation
as spaces, write numbers without leading zeros ("Phường 01" is "Phường 1"), then join the words
without spaces ("Gia Rai", "Gia-rai" and "Giarai" are one name).
"""

from __future__ import annotations

from courses.core.files.cells import heading_key

# Abbreviations people write in position titles, by folded word. Expanded before the key is
# made, so an alias never needs to be written in each abbreviated form.
POSITION_ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "ub": "uy ban",
    "mttq": "mat tran to quoc",
    "mttqvn": "mat tran to quoc",
    "ubmttq": "uy ban mat tran to quoc",
    "ubmttqvn": "uy ban mat tran to quoc",
    "tncs": "thanh nien cong san",
    "tn": "thanh nien",
    "hcm": "ho chi minh",
    "tnhcm": "thanh nien ho chi minh",
    "ct": "chu tich",
    "pct": "pho chu tich",
    "bt": "bi thu",
    "pbt": "pho bi thu",
    "tt": "thuong truc",
    "db": "dai bieu",
    "lhpn": "lien hiep phu nu",
    "hlhpn": "hoi lien hiep phu nu",
    "pn": "phu nu",
    "nd": "nong dan",
    "ccb": "cuu chien binh",
    "bch": "ban chi huy",
    "chqs": "chi huy quan su",
    "cht": "chi huy truong",
    "qs": "quan su",
    "vp": "van phong",
    "tk": "thong ke",
    "dc": "dia chinh",
    "xd": "xay dung",
    "tc": "tai chinh",
    "kt": "ke toan",
    "tp": "tu phap",
    "ht": "ho tich",
    "vh": "van hoa",
    "xh": "xa hoi",
    "kct": "khong chuyen trach",
    "vn": "viet nam",
}
# Words that say where the position is held or what kind of official holds it, not which
# position: "Chủ tịch UBND xã", "Chủ tịch UBND phường" and "Chủ tịch UBND" are one position.
_POSITION_LEADING = (("cong", "chuc"), ("can", "bo"))
_POSITION_TRAILING = (("cap", "xa"), ("xa",), ("phuong",), ("thi", "tran"), ("dac", "khu"), ("viet", "nam"))

# Unit prefixes: "Tỉnh", "Thành phố", "TP.", "T."; "Xã", "Phường", "Thị trấn", "Đặc khu", "P.",
# "TT.", and the same after "UBND" / "Ủy ban nhân dân" (a commune written as its council's name).
_PROVINCE_PREFIXES = (("tinh",), ("thanh", "pho"), ("tp",), ("t",))
_COMMUNE_PREFIXES = (
    ("uy", "ban", "nhan", "dan"),
    ("ubnd",),
    ("xa",),
    ("phuong",),
    ("thi", "tran"),
    ("dac", "khu"),
    ("tt",),
    ("p",),
    ("x",),
)
# "Dân tộc Tày", "Người Hoa", "DT Mông": the name without what says it is one.
_ETHNICITY_PREFIXES = (("dan", "toc"), ("dt",), ("nguoi",))


def _words(value) -> list[str]:
    words = heading_key(str(value)).split()
    return [str(int(word)) if word.isdigit() else word for word in words]


def _strip_leading(words: list[str], prefixes) -> list[str]:
    """Drop each prefix found at the start, in order, as long as a word remains."""
    for prefix in prefixes:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            words = words[len(prefix) :]
    return words


def _strip_trailing(words: list[str], suffixes) -> list[str]:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if len(words) > len(suffix) and tuple(words[-len(suffix) :]) == suffix:
                words = words[: -len(suffix)]
                changed = True
    return words


def position_key(value) -> str:
    words = [part for word in _words(value) for part in POSITION_ABBREVIATIONS.get(word, word).split()]
    words = _strip_leading(words, _POSITION_LEADING)
    return "".join(_strip_trailing(words, _POSITION_TRAILING))


def province_key(value) -> str:
    return "".join(_strip_leading(_words(value), _PROVINCE_PREFIXES))


def commune_key(value) -> str:
    return "".join(_strip_leading(_words(value), _COMMUNE_PREFIXES))


def ethnicity_key(value) -> str:
    return "".join(_strip_leading(_words(value), _ETHNICITY_PREFIXES))


def gender_key(value) -> str:
    return "".join(_words(value))


KEY_FUNCTIONS = {
    "position": position_key,
    "province": province_key,
    "commune": commune_key,
    "ethnicity": ethnicity_key,
    "gender": gender_key,
}
