"""Letters that search treats as the same, so a word is found however it was typed.

Both engines' tokenizers already fold case and Latin accents (ş ü ö ç ğ become s u o c g). Left
to fold here, the same way in the index (SQLite triggers, the PostgreSQL column; migration 0006)
and in the query:

- Azerbaijani letters with no accent to strip: ə (schwa) and ı (dotless i), typed e and i on
  keyboards without them ("pambıq" = "pambiq"); İ, whose lower case would split a word.
- Urdu typed on an Arabic keyboard: Arabic yeh, alef maksura, kaf and heh for the Urdu yeh,
  keheh and heh goal; the short vowel marks and tatweel, which Urdu text mostly leaves out.

Pure: no Django, so the migration and the query use the same table.
"""

from __future__ import annotations

# Each letter and what it becomes ("" removes it).
FOLD: dict[str, str] = {
    "ə": "e",
    "Ə": "e",
    "ı": "i",
    "İ": "i",
    "\u064a": "\u06cc",  # Arabic yeh -> Farsi/Urdu yeh
    "\u0649": "\u06cc",  # alef maksura -> Urdu yeh
    "\u0643": "\u06a9",  # Arabic kaf -> keheh
    "\u0647": "\u06c1",  # Arabic heh -> heh goal
    **{chr(mark): "" for mark in range(0x064B, 0x0653)},  # fathatan ... sukun, maddah
    "\u0670": "",  # superscript alef
    "\u0640": "",  # tatweel
}
_TABLE = str.maketrans(FOLD)


def fold(text: str) -> str:
    """``text`` with the letters of ``FOLD`` replaced, as the search index holds it."""
    # Every letter of FOLD is outside ASCII, and ``translate`` looks up each character.
    return text if text.isascii() else text.translate(_TABLE)


def sqlite_expression(column: str) -> str:
    """SQL that folds ``column`` the same way, with SQLite's replace() (no extension needed)."""
    expression = column
    for letter, replacement in FOLD.items():
        expression = f"replace({expression}, '{letter}', '{replacement}')"
    return expression


def sqlite_expression_past_ascii(column: str) -> str:
    """``sqlite_expression``, evaluated only for a text that is not all ASCII: every letter
    of ``FOLD`` is outside ASCII, so an ASCII text folds to itself. A text is ASCII when it
    has as many characters as bytes; ``length`` of a text stops at a NUL, which no stored
    text has, and a text that had one would only be folded."""
    if any(letter.isascii() for letter in FOLD):
        raise ValueError("an ASCII letter in FOLD: ASCII texts need folding too")
    return (
        f"CASE WHEN length(CAST({column} AS BLOB)) = length({column}) THEN {column} "
        f"ELSE {sqlite_expression(column)} END"
    )


def postgres_translate_arguments() -> tuple[str, str]:
    """The from and to strings of PostgreSQL's translate(): letters without a partner in the
    to string are removed."""
    kept = [(letter, to) for letter, to in FOLD.items() if to]
    removed = [letter for letter, to in FOLD.items() if not to]
    return "".join(letter for letter, _to in kept) + "".join(removed), "".join(
        to for _letter, to in kept
    )
