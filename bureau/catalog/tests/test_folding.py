"""The SQLite triggers fold a text as ``folding.fold`` does, skipping the work for ASCII texts."""

from __future__ import annotations

import sqlite3

import pytest

from bureau.catalog import folding

SAMPLES = [
    "",
    "Basmati rice, 500 t",
    "Line one\nline two\ttabbed",
    "Gəncə şirkətləri İpək pambıq",
    "\u0643\u0631\u0627\u0686\u064a \u0686\u0627\u0648\u0650\u0644",
    "Basmati rice — کراچی",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_trigger_expression_folds_as_the_index_does(text):
    expression = folding.sqlite_expression_past_ascii("?1")
    (folded,) = sqlite3.connect(":memory:").execute(f"SELECT {expression}", [text]).fetchone()
    assert folded == folding.fold(text) == text.translate(str.maketrans(folding.FOLD))


def test_no_folded_letter_is_ascii():
    # Both the triggers and ``fold`` leave ASCII texts as they are on this ground.
    assert not any(letter.isascii() for letter in folding.FOLD)
