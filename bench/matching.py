"""Matching benchmark: items against 1,000,000 subscriptions with the indexed matcher.

Baseline, measured in the same run: the naive scan over every subscription, on a sample of items.
Prints progress to stderr and the figures last, as one JSON line on stdout.

    .venv/bin/python bench/matching.py [--subscriptions 1000000] [--items 10000] [--naive-sample 20]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bureau.alerts.matcher import Criteria, ItemFacts, SubscriptionIndex, naive_match, words
from bureau.reference import hs

KINDS = ["lead", "lead", "lead", "opportunity", "tender", "agreement", "notice"]
COUNTRIES = [
    "AZ",
    "PK",
    "TR",
    "IR",
    "KZ",
    "UZ",
    "TM",
    "GE",
    "RU",
    "CN",
    "AE",
    "AF",
    "OM",
    "TJ",
    "KG",
]
SECTORS = [
    "agriculture",
    "energy",
    "textiles",
    "transport",
    "construction",
    "manufacturing",
    "ict",
    "health",
]
LANGUAGES = ["en", "en", "en", "az", "ur"]


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def vocabulary(codes: list[str]) -> list[str]:
    """Product words of the HS descriptions, most frequent first, without the 50 most generic
    ('other', 'whether', 'parts', ...) that nobody would subscribe to."""
    counts: Counter[str] = Counter()
    for code in codes:
        counts.update(
            w for w in words(hs.all_codes()[code].description) if len(w) > 3 and not w.isdigit()
        )
    return [word for word, _ in counts.most_common()][50:]


def zipf_choice(rng: random.Random, values: list[str], s: float = 1.1) -> str:
    """Pick with a Zipf-like skew: a few values are popular, most are rare."""
    index = min(int(rng.paretovariate(s)) - 1, len(values) - 1)
    return values[index]


def make_subscription(rng: random.Random, codes: list[str], vocab: list[str]) -> Criteria:
    prefixes = frozenset(
        code[: rng.choice((2, 4, 4, 6, 6))] for code in rng.sample(codes, rng.randint(1, 3))
    )
    keywords = (
        frozenset(zipf_choice(rng, vocab) for _ in range(rng.randint(1, 2)))
        if rng.random() < 1 / 3
        else frozenset()
    )
    low = Decimal(rng.choice((10_000, 50_000, 100_000))) if rng.random() < 0.1 else None
    return Criteria(
        kinds=frozenset(rng.sample(KINDS, 1)) if rng.random() < 0.5 else frozenset(),
        hs_prefixes=prefixes if rng.random() < 0.9 else frozenset(),
        sectors=frozenset(rng.sample(SECTORS, 1)) if rng.random() < 0.2 else frozenset(),
        origin_countries=frozenset(rng.sample(COUNTRIES[:6], rng.randint(1, 2)))
        if rng.random() < 0.7
        else frozenset(),
        destination_countries=frozenset(rng.sample(COUNTRIES[:6], 1))
        if rng.random() < 0.5
        else frozenset(),
        keywords_all=keywords if rng.random() < 0.5 else frozenset(),
        keywords_any=keywords if rng.random() >= 0.5 else frozenset(),
        value_min=low,
        languages=frozenset(rng.sample(LANGUAGES, 1)) if rng.random() < 0.1 else frozenset(),
    )


def make_item(rng: random.Random, codes: list[str], vocab: list[str]) -> ItemFacts:
    code = rng.choice(codes)
    title = " ".join(zipf_choice(rng, vocab) for _ in range(rng.randint(4, 12)))
    return ItemFacts(
        kind=rng.choice(KINDS),
        hs_codes=frozenset({code}),
        sectors=frozenset(rng.sample(SECTORS, 1)),
        origin_countries=frozenset({rng.choice(COUNTRIES[:6])}),
        destination_countries=frozenset({rng.choice(COUNTRIES[:6])}),
        words=words(title + " " + hs.all_codes()[code].description),
        value_usd=Decimal(rng.randint(1_000, 2_000_000)),
        language=rng.choice(LANGUAGES),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    codes = [c.code for c in hs.all_codes().values() if c.level == 6]
    vocab = vocabulary(codes)
    print(f"generating {args.subscriptions:,} subscriptions...", file=sys.stderr)
    subscriptions = [make_subscription(rng, codes, vocab) for _ in range(args.subscriptions)]
    items = [make_item(rng, codes, vocab) for _ in range(args.items)]

    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    index = SubscriptionIndex()
    for sid, criteria in enumerate(subscriptions):
        index.add(sid, criteria)
    build_s = time.perf_counter() - started
    gc.collect()
    index_mib = rss_mib() - before
    print(f"index built in {build_s:.1f} s, {index_mib:.0f} MiB", file=sys.stderr)

    timings, matched = [], 0
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        matched += len(index.match(item))
        timings.append(time.perf_counter() - t0)
    total_s = time.perf_counter() - started

    sample = items[: args.naive_sample]
    naive_times = []
    for item in sample:
        t0 = time.perf_counter()
        expected = {sid for sid, c in enumerate(subscriptions) if naive_match(c, item)}
        naive_times.append(time.perf_counter() - t0)
        assert expected == set(index.match(item)), "index and naive scan disagree"
    indexed_sample = statistics.mean(timings[: len(sample)])
    timings.sort()
    p50 = timings[len(timings) // 2] * 1000
    p99 = timings[int(len(timings) * 0.99)] * 1000
    figures = {
        "bench": "matching",
        "subscriptions": args.subscriptions,
        "items": args.items,
        "items_per_s": round(args.items / total_s),
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "mean_matches_per_item": round(matched / args.items, 1),
        "index_build_s": round(build_s, 1),
        "index_mib": round(index_mib),
        "naive_ms_per_item": round(statistics.mean(naive_times) * 1000, 1),
        "speedup_vs_naive": round(statistics.mean(naive_times) / indexed_sample),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
