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
    return text.translate(_TABLE)


def sqlite_expression(column: str) -> str:
    """SQL that folds ``column`` the same way, with SQLite's replace() (no extension needed)."""
    expression = column
    for letter, replacement in FOLD.items():
        expression = f"replace({expression}, '{letter}', '{replacement}')"
    return expression


def postgres_translate_arguments() -> tuple[str, str]:
    """The from and to strings of PostgreSQL's translate(): letters without a partner in the
    to string are removed."""
    kept = [(letter, to) for letter, to in FOLD.items() if to]
    removed = [letter for letter, to in FOLD.items() if not to]
    return "".join(letter for letter, _to in kept) + "".join(removed), "".join(
        to for _letter, to in kept
    )
