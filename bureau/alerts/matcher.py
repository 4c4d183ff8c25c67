"""An indexed matcher of items against subscriptions (saved searches). Pure Python, no Django.

Every criterion of a subscription is a dimension. For each dimension the index keeps, as compressed
bitmaps of subscription ids, the subscriptions that ask for each value ("postings") and those that
leave the dimension empty ("wildcards"). An item's candidates are, per dimension, the wildcards plus the
postings of the item's values, intersected over all dimensions; only criteria that a bitmap cannot
decide alone (all-of and none-of keywords, value ranges) are then checked one by one. The cost follows
the number of candidates, not the number of subscriptions. ``naive_match`` is the reference semantics.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pyroaring import BitMap

_WORD = re.compile(r"\w+", re.UNICODE)
EMPTY: frozenset[str] = frozenset()


def fold(text: str) -> str:
    """Lower-case and strip accents so that 'Café' and 'cafe' are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(fold(text)))


def hs_prefixes(code: str) -> list[str]:
    """'271111' -> ['27', '2711', '271111']: the prefixes a subscription may name."""
    return [code[:n] for n in (2, 4, 6) if n <= len(code)]


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a subscription asks for; an empty criterion matches everything."""

    kinds: frozenset[str] = EMPTY
    hs_prefixes: frozenset[str] = EMPTY
    sectors: frozenset[str] = EMPTY
    origin_countries: frozenset[str] = EMPTY
    destination_countries: frozenset[str] = EMPTY
    keywords_all: frozenset[str] = EMPTY
    keywords_any: frozenset[str] = EMPTY
    keywords_none: frozenset[str] = EMPTY
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    languages: frozenset[str] = EMPTY

    @property
    def has_value_range(self) -> bool:
        return self.value_min is not None or self.value_max is not None


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the matcher needs to know of an item."""

    kind: str
    hs_codes: frozenset[str] = EMPTY
    sectors: frozenset[str] = EMPTY
    origin_countries: frozenset[str] = EMPTY
    destination_countries: frozenset[str] = EMPTY
    words: frozenset[str] = EMPTY
    value_usd: Decimal | None = None
    language: str = ""

    @property
    def hs_prefix_set(self) -> frozenset[str]:
        return frozenset(p for code in self.hs_codes for p in hs_prefixes(code))


def explain(criteria: Criteria, item: ItemFacts) -> list[tuple[str, bool, str]]:
    """Each criterion with whether the item meets it and why, for support staff."""
    checks = [
        ("kinds", _any_of(criteria.kinds, {item.kind})),
        ("hs_prefixes", _any_of(criteria.hs_prefixes, item.hs_prefix_set)),
        ("sectors", _any_of(criteria.sectors, item.sectors)),
        ("origin_countries", _any_of(criteria.origin_countries, item.origin_countries)),
        (
            "destination_countries",
            _any_of(criteria.destination_countries, item.destination_countries),
        ),
        (
            "keywords_all",
            (
                criteria.keywords_all <= item.words,
                _list(criteria.keywords_all - item.words, "missing"),
            ),
        ),
        ("keywords_any", _any_of(criteria.keywords_any, item.words)),
        (
            "keywords_none",
            (
                not (criteria.keywords_none & item.words),
                _list(criteria.keywords_none & item.words, "has"),
            ),
        ),
        ("value", _in_range(criteria, item.value_usd)),
        ("languages", _any_of(criteria.languages, {item.language})),
    ]
    return [(name, ok, why) for name, (ok, why) in checks]


def naive_match(criteria: Criteria, item: ItemFacts) -> bool:
    """The reference semantics: an item matches when it meets every criterion."""
    return all(ok for _, ok, _ in explain(criteria, item))


def _any_of(wanted: frozenset[str], present: Iterable[str]) -> tuple[bool, str]:
    if not wanted:
        return True, "any"
    common = wanted & set(present)
    return bool(common), _list(common, "matches") if common else _list(wanted, "none of")


def _list(values: Iterable[str], label: str) -> str:
    return f"{label} {', '.join(sorted(values))}" if values else "ok"


def _in_range(criteria: Criteria, value: Decimal | None) -> tuple[bool, str]:
    if not criteria.has_value_range:
        return True, "any"
    if value is None:
        return False, "the item has no value"
    ok = (criteria.value_min is None or value >= criteria.value_min) and (
        criteria.value_max is None or value <= criteria.value_max
    )
    return ok, f"{value} USD"


# The dimensions decided by bitmaps alone. All-of keywords are filed under one key made of the
# words themselves ("cotton yarn"); an item offers as keys its words and the pairs of its words
# that some subscription uses, so one or two all-of words are decided exactly. Subscriptions with
# three or more are filed under a pair of them and checked one by one (they are rare).
_SET_DIMENSIONS = (
    "hs_prefixes",
    "keywords_all",
    "keywords_any",
    "origin_countries",
    "destination_countries",
    "sectors",
    "kinds",
    "languages",
)


def _all_key(keywords: Iterable[str]) -> str:
    return " ".join(sorted(keywords))


@dataclass
class _Dimension:
    postings: dict[str, BitMap] = field(default_factory=dict)
    wildcard: BitMap = field(default_factory=BitMap)

    def file(self, subscription_id: int, values: Iterable[str]) -> None:
        empty = True
        for value in values:
            self.postings.setdefault(value, BitMap()).add(subscription_id)
            empty = False
        if empty:
            self.wildcard.add(subscription_id)

    def unfile(self, subscription_id: int, values: Iterable[str]) -> None:
        self.wildcard.discard(subscription_id)
        for value in values:
            posting = self.postings.get(value)
            if posting is not None:
                posting.discard(subscription_id)
                if not posting:
                    del self.postings[value]

    def hits(self, values: Iterable[str]) -> list[BitMap]:
        postings = self.postings
        return [postings[v] for v in values if v in postings]

    def allowed(self, values: Iterable[str]) -> BitMap:
        hits = self.hits(values)
        return BitMap.union(self.wildcard, *hits) if hits else self.wildcard


@dataclass
class _Bound:
    """Value bounds (minimum or maximum, in USD), filed by the bound itself."""

    is_min: bool
    postings: dict[Decimal, BitMap] = field(default_factory=dict)
    wildcard: BitMap = field(default_factory=BitMap)

    def file(self, subscription_id: int, bound: Decimal | None) -> None:
        target = self.wildcard if bound is None else self.postings.setdefault(bound, BitMap())
        target.add(subscription_id)

    def unfile(self, subscription_id: int, bound: Decimal | None) -> None:
        if bound is None:
            self.wildcard.discard(subscription_id)
        elif bound in self.postings:
            self.postings[bound].discard(subscription_id)
            if not self.postings[bound]:
                del self.postings[bound]

    def allowed(self, value: Decimal | None) -> BitMap:
        if value is None or not self.postings:
            return self.wildcard
        met = [
            b
            for bound, b in self.postings.items()
            if (bound <= value if self.is_min else bound >= value)
        ]
        return BitMap.union(self.wildcard, *met) if met else self.wildcard


class SubscriptionIndex:
    """Subscriptions indexed for matching; add, update and remove without a rebuild."""

    def __init__(self) -> None:
        self._dimensions = {name: _Dimension() for name in _SET_DIMENSIONS}
        self._excluded_by = _Dimension()  # none-of keywords: a hit removes the subscription
        self._min = _Bound(is_min=True)
        self._max = _Bound(is_min=False)
        self._criteria: dict[int, Criteria] = {}
        self._pair_words: dict[str, int] = {}  # words used in two-word keys, with use counts
        self._long_all: dict[int, frozenset[str]] = {}  # three or more all-of words: checked
        self._long_all_ids = BitMap()

    def __len__(self) -> int:
        return len(self._criteria)

    def __contains__(self, subscription_id: object) -> bool:
        return subscription_id in self._criteria

    def criteria(self, subscription_id: int) -> Criteria | None:
        return self._criteria.get(subscription_id)

    def add(self, subscription_id: int, criteria: Criteria) -> None:
        """Index a subscription; an existing one with the same id is replaced."""
        self.remove(subscription_id)
        self._criteria[subscription_id] = criteria
        for name, dimension in self._dimensions.items():
            dimension.file(subscription_id, self._filed_values(criteria, name))
        for word in criteria.keywords_none:
            self._excluded_by.postings.setdefault(word, BitMap()).add(subscription_id)
        self._min.file(subscription_id, criteria.value_min)
        self._max.file(subscription_id, criteria.value_max)
        for word in self._pair_words_of(criteria):
            self._pair_words[word] = self._pair_words.get(word, 0) + 1
        if len(criteria.keywords_all) > 2:
            self._long_all[subscription_id] = criteria.keywords_all
            self._long_all_ids.add(subscription_id)

    def remove(self, subscription_id: int) -> None:
        criteria = self._criteria.pop(subscription_id, None)
        if criteria is None:
            return
        for name, dimension in self._dimensions.items():
            dimension.unfile(subscription_id, self._filed_values(criteria, name))
        self._excluded_by.unfile(subscription_id, criteria.keywords_none)
        self._min.unfile(subscription_id, criteria.value_min)
        self._max.unfile(subscription_id, criteria.value_max)
        for word in self._pair_words_of(criteria):
            self._pair_words[word] -= 1
            if not self._pair_words[word]:
                del self._pair_words[word]
        self._long_all.pop(subscription_id, None)
        self._long_all_ids.discard(subscription_id)

    def match(self, item: ItemFacts) -> BitMap:
        """The ids of every subscription the item matches."""
        candidates: BitMap | None = None
        for name in _SET_DIMENSIONS:
            allowed = self._dimensions[name].allowed(self._item_values(item, name))
            candidates = allowed if candidates is None else candidates & allowed
            if not candidates:
                return BitMap()
        assert candidates is not None
        candidates &= self._min.allowed(item.value_usd)
        candidates &= self._max.allowed(item.value_usd)
        excluded = self._excluded_by.hits(item.words)
        if excluded:
            candidates -= BitMap.union(*excluded)
        unsure = candidates & self._long_all_ids
        if unsure:
            candidates -= BitMap(s for s in unsure if not self._long_all[s] <= item.words)
        return candidates

    def _filed_values(self, criteria: Criteria, name: str) -> Iterable[str]:
        if name == "keywords_all":
            pair = self._pair(criteria.keywords_all)
            return (_all_key(pair),) if pair else ()
        return getattr(criteria, name)

    @staticmethod
    def _pair(keywords: frozenset[str]) -> list[str]:
        """The one or two words an all-of criterion is filed under (the first two, in order)."""
        return sorted(keywords)[:2]

    def _pair_words_of(self, criteria: Criteria) -> list[str]:
        pair = self._pair(criteria.keywords_all)
        return pair if len(pair) == 2 else []

    def _item_values(self, item: ItemFacts, name: str) -> Iterable[str]:
        if name == "kinds":
            return (item.kind,)
        if name == "hs_prefixes":
            return item.hs_prefix_set
        if name == "languages":
            return (item.language,)
        if name == "keywords_any":
            return item.words
        if name == "keywords_all":
            paired = sorted(w for w in item.words if w in self._pair_words)
            pairs = (f"{a} {b}" for i, a in enumerate(paired) for b in paired[i + 1 :])
            return itertools.chain(item.words, pairs)
        return getattr(item, name)
