"""Whether a word is spelt as a Vietnamese syllable: what tells text typed for a legacy font, or
read in the wrong code page, from Vietnamese (courses.core.files.text_encodings).
"""

from __future__ import annotations

import re
import unicodedata

# The tones, as the combining marks of NFD.
ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TONES = (ACUTE, GRAVE, HOOK, TILDE, DOT)

# The 67 lower-case letters Vietnamese writes with a mark (with the 67 capitals, 134).
VIETNAMESE_LETTERS = tuple(
    unicodedata.normalize("NFC", base + tone)
    for base in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
    for tone in ("", *TONES)
    if base + tone not in "aeiouy"
) + ("đ",)

# A written syllable: an initial consonant, a vowel group, a final consonant, at most one tone on a
# vowel; the stop finals c, ch, p, t take only the sắc or nặng tone. Permissive where Vietnamese
# is (the initials f, j, w, z of minority names), strict where mojibake is not Vietnamese.
_INITIAL = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvxfjwz])?"
_FINAL = "(?:ng|nh|ch|[cmnpt])"
_VOWELS_OPEN_OR_CLOSED = "oa|oe|uê|uy|[aeêioôơuưy]"
_VOWELS_CLOSED = "uyê|oă|uâ|iê|yê|uô|ươ|oo|[ăâ]"
_VOWELS_OPEN = (
    "oai|oay|oeo|uây|uôi|ươi|ươu|iêu|yêu|uyu|uya|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|ia|ưa|ua|uơ"
)
_SYLLABLE = re.compile(
    f"{_INITIAL}(?:(?:{_VOWELS_OPEN_OR_CLOSED}){_FINAL}?|(?:{_VOWELS_CLOSED}){_FINAL}|(?:{_VOWELS_OPEN}))"
)
_STOP_FINAL = re.compile("(?:c|ch|p|t)$")
_VOWEL_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn


# The longest syllables have seven letters ("nghiêng"); VNI spells them in up to nine characters,
# Windows-1258 in up to eight. A longer word is no syllable in any encoding, and is not looked at.
LONGEST_WORD = 12


def is_vietnamese_syllable(word: str) -> bool:
    """Whether `word` (any case, composed or not) is spelt as a Vietnamese syllable."""
    if len(word) > LONGEST_WORD:
        return False
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [index for index, char in enumerate(decomposed) if char in TONES]
    if len(tones) > 1:
        return False
    tone = ""
    if tones:
        index = tones[0]
        tone = decomposed[index]
        before = decomposed[:index].rstrip(_VOWEL_MARKS)
        if not before or before[-1] not in "aeiouy":
            return False
        decomposed = decomposed[:index] + decomposed[index + 1 :]
    base = unicodedata.normalize("NFC", decomposed)
    if not _SYLLABLE.fullmatch(base):
        return False
    return not (_STOP_FINAL.search(base) and tone not in ("", ACUTE, DOT))
