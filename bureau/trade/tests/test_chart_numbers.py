"""Amounts and axis numbers on the trade monitor in the reader's language: English keeps the
bureau's own short forms, Azerbaijani and Urdu take theirs from the CLDR (Urdu in lakh, crore
and arab, as Pakistan counts)."""

from __future__ import annotations

from django.utils import translation

from bureau.trade import charts


def test_amounts_use_the_readers_scale_words_and_separators():
    with translation.override("en"):
        assert charts.money(2.0e9) == "US$ 2.00 bn"
        assert charts.money(27.3e6, "PKR") == "PKR 27.3 m"
    with translation.override("az"):
        assert charts.money(27.3e6, "PKR") == "PKR 27,3\u00a0mln"  # decimal comma
        assert charts.money(2.5e9) == "US$ 2,5\u00a0mlrd"
    with translation.override("ur"):
        assert charts.money(27.3e6, "PKR") == "PKR 2.7\u00a0کروڑ"  # 2.7 crore
        assert charts.money(2.0e9) == "US$ 2\u00a0ارب"


def test_axis_numbers_in_the_readers_language():
    with translation.override("en"):
        assert charts._short(1.5e9) == "1.5 bn"
    with translation.override("az"):
        assert charts._short(1.5e9) == "1,5\u00a0mlrd"
    with translation.override("ur"):
        assert charts._short(1.5e9) == "1.5\u00a0ارب"
