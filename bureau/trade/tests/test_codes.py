"""Country codes and names as trade statistics write them, resolved to ISO alpha-3."""

from __future__ import annotations

import pycountry
import pytest

from bureau.trade import codes

# Monaco's M49 code 492 is Comtrade's "Europe EU, nes" (Monaco is within France, 251).
TRADE_MEANS_OTHERWISE = {"MCO"}


@pytest.mark.parametrize(
    ("code", "alpha3"),
    [
        ("AZE", "AZE"),
        (" pak ", "PAK"),
        ("31", "AZE"),
        ("031", "AZE"),
        ("0031", "AZE"),
        ("586", "PAK"),
        ("4", "AFG"),
        ("004", "AFG"),
        ("0", "WLD"),
        ("000", "WLD"),
        ("WLD", "WLD"),
        # BACI and Comtrade codes for economies with their territories
        ("842", "USA"),
        ("699", "IND"),
        ("251", "FRA"),
        ("757", "CHE"),
        ("579", "NOR"),
        ("381", "ITA"),
        ("490", "TWN"),
        # withdrawn alpha-3 codes that WITS still writes
        ("ROM", "ROU"),
        ("MNT", "MNE"),
        ("OAS", "TWN"),
        ("SER", "SRB"),
        ("ZAR", "COD"),
        ("TMP", "TLS"),
        ("EUN", "EUN"),
        ("97", "EUN"),
        # Comtrade's partners that are no economy
        ("899", "UNS"),
        ("837", "UNS"),
        ("838", "UNS"),
        ("839", "UNS"),
        ("492", "UNS"),
        ("UNS", "UNS"),
    ],
)
def test_resolve_reads_iso_m49_and_trade_codes(code, alpha3):
    assert codes.resolve(code) == alpha3


@pytest.mark.parametrize("code", ["XYZ", "999", "", "  ", "12a", "AZ", "-31", "Azerbaijan"])
def test_resolve_unknown_codes_is_none(code):
    assert codes.resolve(code) is None


def test_every_iso_country_resolves_by_its_alpha3_and_numeric_code():
    for country in pycountry.countries:
        if country.alpha_3 in TRADE_MEANS_OTHERWISE:
            continue
        numeric = country.numeric
        for code in (country.alpha_3, country.alpha_3.lower(), numeric, numeric.lstrip("0")):
            assert codes.resolve(code) == country.alpha_3, (code, country.name)


@pytest.mark.parametrize(
    ("name", "alpha3"),
    [
        ("Iran, Islamic Rep.", "IRN"),
        ("Hong Kong, China", "HKG"),
        ("Korea, Rep.", "KOR"),
        ("Korea, Dem. Rep.", "PRK"),
        ("Congo, Dem. Rep.", "COD"),
        ("Congo, Rep.", "COG"),
        ("Congo", "COG"),
        ("Egypt, Arab Rep.", "EGY"),
        ("Kyrgyz Republic", "KGZ"),
        ("Slovak Republic", "SVK"),
        ("Venezuela, RB", "VEN"),
        ("Lao PDR", "LAO"),
        ("Other Asia, nes", "TWN"),
        ("World", "WLD"),
        ("Unspecified", "UNS"),
        ("Special Categories", "UNS"),
        ("Russian Federation", "RUS"),
        ("Czech Republic", "CZE"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Turkiye", "TUR"),
        ("Curacao", "CUW"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Iran", "IRN"),
        ("Bolivia", "BOL"),
        ("Holy See", "VAT"),
        ("AZERBAIJAN", "AZE"),
        ("  Pakistan ", "PAK"),
        ("Soviet Union", "SUN"),
    ],
)
def test_resolve_name_reads_names_as_wits_and_the_press_write_them(name, alpha3):
    assert codes.resolve_name(name) == alpha3


@pytest.mark.parametrize("name", ["Mars", "Atlantis", "Korea", "Virgin Islands", "", "AZE"])
def test_resolve_name_does_not_guess(name):
    # "Korea" and "Virgin Islands" each name two countries; a guess would file the figure
    # under one of them.
    assert codes.resolve_name(name) is None


def test_every_iso_short_name_resolves_to_its_country():
    for country in pycountry.countries:
        assert codes.resolve_name(country.name) == country.alpha_3, country.name


@pytest.mark.parametrize(
    ("alpha3", "name"),
    [
        ("WLD", "World"),
        ("UNS", "Unspecified"),
        ("EUN", "European Union"),
        ("SUN", "Soviet Union"),
        ("AZE", "Azerbaijan"),
        ("IRN", "Iran"),
        ("TWN", "Taiwan"),
        ("XYZ", "XYZ"),
    ],
)
def test_display_name(alpha3, name):
    assert codes.display_name(alpha3) == name


def test_alpha3_of_alpha2():
    assert (codes.alpha3_of("az"), codes.alpha3_of("PK")) == ("AZE", "PAK")
    with pytest.raises(ValueError, match="'xx'"):
        codes.alpha3_of("xx")


def test_aggregates_are_known_codes_that_are_no_single_economy():
    assert set(codes.AGGREGATES) == {"WLD", "EUN"}
    assert all(codes.resolve(code) == code for code in codes.AGGREGATES)
