"""Catch-up of two code trees, alternately, from one generated sender: a paired comparison.

    .venv/bin/python bench/exchange_compare.py OTHER_TREE [--events 40000] [--pairs 6]
                                               [--receiver sqlite|postgres]

One sender (this tree's code) publishes N items, as in `bench/exchange.py`; then, after one
catch-up that is not counted (it reads the sender's log from disk, the later ones from memory),
pair after pair, a fresh receiver (SQLite, or PostgreSQL with `--receiver postgres`) runs the
code of OTHER_TREE (a checkout of another commit, for instance `git worktree add /tmp/before
HEAD~3`) and one runs this tree's, each catching up with the sender from `bureau peer add` to
its cursor reaching N; which of the two goes first alternates. The two runs of a pair are a
minute apart, so a machine whose speed drifts between runs (the shared ones do, by a quarter)
moves both alike: the figures to read are the differences within pairs. Each receiver's
database is made by its own tree's `bureau init`, so a change of schema is compared too.

Figures, per tree: each pair's end-to-end and steady events/s and the receiver's CPU an event,
and their means; `faster_pairs`, how many pairs this tree won end to end. JSON last.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import exchange
from bench._common import REPO, emit, log, run_child


def run_pair(
    root: Path, sender: exchange.Node, sending: Any, trees: list[str], engine: str
) -> list[Any]:
    """One catch-up per tree, in order, each into a new receiver."""
    results = []
    for tree in trees:
        # The receiver's processes, its `bureau init` first, import this tree's code.
        receiver = exchange.make_node(
            root, f"receiver-{engine}", engine, BUREAU_NODE_COUNTRY="PK", PYTHONPATH=tree
        )
        try:
            caught = exchange.catch_up(sender, sending, receiver)
        finally:
            receiver.drop()
        results.append(
            {
                "events_per_s": round(caught["events"] / caught["seconds"]),
                "steady_events_per_s": caught["steady_events_per_s"],
                "receiver_cpu_us_per_event": caught["receiver_cpu_us_per_event"],
                "loadavg": round(os.getloadavg()[0], 2),
            }
        )
        log(f"  {tree}: {results[-1]}")
    return results


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "runs": runs,
        **{
            f"mean_{key}": round(statistics.mean(run[key] for run in runs), 1)
            for key in ("events_per_s", "steady_events_per_s", "receiver_cpu_us_per_event")
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("other", help="the checkout of the code to compare this tree with")
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--receiver", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    other, this = str(Path(args.other).resolve()), str(REPO)
    if not (Path(other) / "bureau").is_dir():
        parser.error(f"{other} is not a checkout of the bureau")
    root = Path(tempfile.mkdtemp(prefix="bench-exchange-compare-"))
    figures: dict[str, Any] = {
        "bench": "exchange_compare",
        "events": args.events,
        "pairs": args.pairs,
        "receiver": args.receiver,
        "cpus": os.cpu_count(),
        "loadavg_start": round(os.getloadavg()[0], 2),
    }
    runs: dict[str, list[dict[str, Any]]] = {other: [], this: []}
    sender = exchange.make_node(root, "sender", "sqlite")
    try:
        log(f"sender: publishing {args.events:,} items")
        run_child([exchange.__file__, "generate", str(args.events)], sender.env)
        with exchange.serving(sender) as sending:
            exchange.drain_outbox(sender)
            log("warm-up: the first catch-up reads the sender's log from disk; not counted")
            run_pair(root, sender, sending, [this], args.receiver)
            for number in range(args.pairs):
                log(f"pair {number + 1} of {args.pairs}")
                order = [other, this] if number % 2 == 0 else [this, other]  # who goes first
                for tree, result in zip(
                    order, run_pair(root, sender, sending, order, args.receiver), strict=True
                ):
                    runs[tree].append(result)
    finally:
        sender.drop()
        shutil.rmtree(root, ignore_errors=True)
    figures["other"] = {"tree": other, **summary(runs[other])}
    figures["this"] = {"tree": this, **summary(runs[this])}
    figures["faster_pairs"] = sum(
        mine["events_per_s"] > theirs["events_per_s"]
        for theirs, mine in zip(runs[other], runs[this], strict=True)
    )
    figures["loadavg_end"] = round(os.getloadavg()[0], 2)
    emit(figures)


if __name__ == "__main__":
    main()
