"""Text as the spam rules compare it: one spelling for the many a human reads as the same.

`fold("ＣＡ\u200bЅІＮＯ")` is `"casino"`: compatibility forms (fullwidth, ligatures, circled
letters) become plain ones (NFKC), invisible format characters (zero-width spaces and joiners, soft
hyphens, direction marks: Unicode category Cf) go, case is folded, and Cyrillic and Greek
letters that look like Latin ones are read as those. Used for blocked words, blocked e-mails
and duplicate comments; what is stored and shown is never changed.
"""

import re
import unicodedata

# Capitals first (a capital and its small letter can look like different Latin letters: Greek
# Ν is N, ν is v), then small letters after case folding.
CAPITAL_LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "У": "Y",
        # Greek
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
# Cyrillic and Greek letters (after case folding) that are drawn like a Latin letter. A small
# table of the look-alikes spammers use, not the whole Unicode confusables list.
LOOK_ALIKES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i", "ї": "i",
        "ј": "j", "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
        "т": "t", "у": "y", "ү": "y", "х": "x", "ԁ": "d", "ԝ": "w", "с": "c", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "μ": "u",
    }
)  # fmt: skip
SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """The comparable form of `text` (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return text.translate(CAPITAL_LOOK_ALIKES).casefold().translate(LOOK_ALIKES)


def fold_words(text: str) -> str:
    """fold(), with runs of white space made one space and the ends trimmed: for whole texts."""
    return SPACES.sub(" ", fold(text)).strip()
