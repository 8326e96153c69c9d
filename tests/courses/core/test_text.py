"""Text helpers: the Vietnamese order of names (courses.core.text.vietnamese_name_key)."""

import random
import unicodedata

import pytest

from courses.core.text import vietnamese_name_key

# As an official list orders them: by given name, then family name, then middle names; in the
# Vietnamese alphabet; among equal letters by tone (unmarked, huyền, hỏi, ngã, sắc, nặng).
VIETNAMESE_ORDER = [
    "Đặng Văn An",
    "Vũ Thị An",
    "Vũ Văn An",
    "Lê Thị Ánh",
    "Hoàng Văn Ân",
    "Đỗ Thị Bình",
    "Trần Văn Bình",
    "Ngô Văn Dũng",
    "Đinh Văn Đức",
    "Lò Văn Em",
    "Lò Thị Ênh",
    "An Văn Hải",
    "Âu Văn Hải",
    "Dương Văn Hải",
    "Đàm Văn Hải",
    "Đặng Văn Hải",
    "Đinh Văn Hải",
    "Lê Thị Hoa",
    "Lê Văn Hòa",
    "Mai Văn Hỏa",
    "Lê Văn Hóa",
    "Trịnh Thị Oanh",
    "Phan Văn Ôn",
    "Lê Văn Ơn",
    "Trần Thị Uyên",
    "Lê Văn Ưng",
    "Vũ Văn Vinh",
    "Nguyễn Thị Yến",
]


def test_names_sort_as_an_official_list():
    shuffled = VIETNAMESE_ORDER[:]
    random.Random(11).shuffle(shuffled)
    assert sorted(shuffled, key=vietnamese_name_key) == VIETNAMESE_ORDER
    # What code-point order did: every Đ after Vũ.
    assert sorted(VIETNAMESE_ORDER)[-1].startswith("Đ")


def test_the_alphabet_letter_by_letter():
    alphabet = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
    assert sorted(random.Random(29).sample(alphabet, len(alphabet)), key=vietnamese_name_key) == alphabet


def test_tones_follow_the_letters_unmarked_grave_hook_tilde_acute_dot():
    tones = ["ma", "mà", "mả", "mã", "má", "mạ", "mác", "mạc", "mai"]
    assert sorted(random.Random(6).sample(tones, len(tones)), key=vietnamese_name_key) == tones
    # A tone decides only between equal letters: "Ánh" (a, n, h) comes before "Âm" (â).
    assert vietnamese_name_key("Ánh") < vietnamese_name_key("Âm")
    assert vietnamese_name_key("Ấm") > vietnamese_name_key("Anh")


def test_given_name_then_family_then_middle_names():
    assert vietnamese_name_key("Vũ An") < vietnamese_name_key("Bùi Bình")
    assert vietnamese_name_key("Bùi Văn An") < vietnamese_name_key("Vũ An")
    assert vietnamese_name_key("Vũ Thị An") < vietnamese_name_key("Vũ Văn An")
    assert vietnamese_name_key("An") < vietnamese_name_key("Vũ An")  # one word: nothing after it


@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_case_spacing_and_unicode_form_do_not_count(form):
    name = unicodedata.normalize(form, "  nguyễn   THỊ  ỨNG ")
    assert vietnamese_name_key(name) == vietnamese_name_key("Nguyễn Thị Ứng")


def test_the_key_is_ascii_digits_so_every_collation_orders_it_alike():
    for name in [*VIETNAMESE_ORDER, "H'Hen Niê", "Giàng A Páo", "Nguyễn Văn 2", "Lý 李", ""]:
        key = vietnamese_name_key(name)
        assert key == "" or key.isascii() and key.isdigit()
    # The apostrophe of an Ê Đê name is skipped; a character outside the alphabet sorts after it.
    assert vietnamese_name_key("H'Hen Niê") == vietnamese_name_key("HHen Niê")
    assert vietnamese_name_key("Lý Zung") < vietnamese_name_key("Lý 李")
