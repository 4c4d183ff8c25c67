"""The indexed matcher equals the naive scan, on random subscriptions and items."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bureau.alerts.matcher import (
    Criteria,
    ItemFacts,
    SubscriptionIndex,
    explain,
    naive_match,
    words,
)

KINDS = ["lead", "opportunity", "tender", "agreement", "notice"]
CODES = ["271111", "271112", "271019", "100630", "100640", "520100", "8524"]
PREFIXES = ["27", "2711", "271111", "2710", "10", "1006", "52", "85", "8524"]
COUNTRIES = ["AZ", "PK", "TR", "IR", "KZ"]
SECTORS = ["energy", "agriculture", "textiles"]
WORDS = ["rice", "lng", "cargo", "cotton", "baku", "karachi", "café"]
LANGS = ["en", "az", "ur"]


def subset(values, max_size=3):
    return st.frozensets(st.sampled_from(values), max_size=max_size)


values_usd = st.one_of(st.none(), st.integers(0, 2000).map(Decimal))

criteria_strategy = st.builds(
    Criteria,
    kinds=subset(KINDS, 2),
    hs_prefixes=subset(PREFIXES),
    sectors=subset(SECTORS, 2),
    origin_countries=subset(COUNTRIES, 2),
    destination_countries=subset(COUNTRIES, 2),
    keywords_all=subset(WORDS, 2).map(lambda s: frozenset(w for x in s for w in words(x))),
    keywords_any=subset(WORDS, 2).map(lambda s: frozenset(w for x in s for w in words(x))),
    keywords_none=subset(WORDS, 1).map(lambda s: frozenset(w for x in s for w in words(x))),
    value_min=values_usd,
    value_max=values_usd,
    languages=subset(LANGS, 2),
)

item_strategy = st.builds(
    ItemFacts,
    kind=st.sampled_from(KINDS),
    hs_codes=subset(CODES, 2),
    sectors=subset(SECTORS, 2),
    origin_countries=subset(COUNTRIES, 2),
    destination_countries=subset(COUNTRIES, 2),
    words=st.lists(st.sampled_from(WORDS), max_size=4).map(lambda ws: words(" ".join(ws))),
    value_usd=values_usd,
    language=st.sampled_from(LANGS),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(criteria_strategy, max_size=40), st.lists(item_strategy, min_size=1, max_size=5))
def test_index_equals_naive_scan(subscriptions, items):
    index = SubscriptionIndex()
    for sid, criteria in enumerate(subscriptions):
        index.add(sid, criteria)
    for item in items:
        expected = {sid for sid, c in enumerate(subscriptions) if naive_match(c, item)}
        assert set(index.match(item)) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(criteria_strategy, min_size=2, max_size=30), st.data())
def test_updates_and_removals_keep_the_index_equal_to_the_scan(subscriptions, data):
    index = SubscriptionIndex()
    current = dict(enumerate(subscriptions))
    for sid, criteria in current.items():
        index.add(sid, criteria)
    for _ in range(data.draw(st.integers(1, 10))):
        sid = data.draw(st.sampled_from(sorted(current) or [0]))
        if data.draw(st.booleans()):
            current[sid] = data.draw(criteria_strategy)
            index.add(sid, current[sid])
        else:
            current.pop(sid, None)
            index.remove(sid)
    item = data.draw(item_strategy)
    assert set(index.match(item)) == {sid for sid, c in current.items() if naive_match(c, item)}
    assert len(index) == len(current)


def test_hs_prefix_of_two_digits_matches_a_six_digit_code():
    index = SubscriptionIndex()
    index.add(1, Criteria(hs_prefixes=frozenset({"27"})))
    index.add(2, Criteria(hs_prefixes=frozenset({"10"})))
    assert set(index.match(ItemFacts(kind="lead", hs_codes=frozenset({"271111"})))) == {1}


def test_keywords_ignore_case_and_accents():
    criteria = Criteria(keywords_all=words("cafe BAKU"), keywords_none=words("used"))
    assert naive_match(criteria, ItemFacts(kind="lead", words=words("Café equipment for Baku")))
    assert not naive_match(
        criteria, ItemFacts(kind="lead", words=words("Used café equipment, Baku"))
    )


def test_empty_criteria_match_everything_and_value_ranges_need_a_value():
    assert naive_match(Criteria(), ItemFacts(kind="tender"))
    ranged = Criteria(value_min=Decimal(10))
    assert not naive_match(ranged, ItemFacts(kind="lead"))
    assert naive_match(ranged, ItemFacts(kind="lead", value_usd=Decimal(10)))


def test_explain_names_the_failing_criterion():
    reasons = {name: (ok, why) for name, ok, why in explain(
        Criteria(kinds=frozenset({"tender"}), origin_countries=frozenset({"PK"})),
        ItemFacts(kind="lead", origin_countries=frozenset({"PK"})),
    )}  # fmt: skip
    assert reasons["kinds"] == (False, "none of tender")
    assert reasons["origin_countries"] == (True, "matches PK")
