"""The pure core of the protocol: canonical encoding, keys, request signatures, chain checks."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bureau.exchange import canonical as c
from bureau.exchange import keys, peerauth
from bureau.exchange.verify import check_chain
from tests.exchange.support import FakeLog, item_body

UID = "0b4c2f8e-1d2a-4f11-9c55-3a0c1b2d3e4f"


def test_canonical_json_sorts_keys_keeps_unicode_and_has_no_spaces():
    encoded = c.canonical({"b": 1, "a": ["G\u0259nc\u0259", "کراچی"], "c": {"z": None, "y": True}})
    assert encoded == '{"a":["G\u0259nc\u0259","کراچی"],"b":1,"c":{"y":true,"z":null}}'.encode()


# What an event can hold once parsed: text (any code point, lone surrogates included), integers
# well past 64 bits, true, false, null, arrays and objects, nested.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(st.characters(codec=None), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(codec=None), max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES)
def test_the_fast_encoder_writes_exactly_the_reference_bytes_or_fails_alike(value):
    try:
        expected: bytes | type[Exception] = c.reference_canonical(value)
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 form
        expected = UnicodeEncodeError
    if isinstance(expected, bytes):
        assert c.canonical(value) == expected
    else:
        with pytest.raises(expected):
            c.canonical(value)


def test_values_the_fast_encoder_would_write_its_own_way_go_to_the_reference():
    for value in ({"n": 2**64}, {"n": -(2**63) - 1}, [{"k": dt.date(2027, 1, 1)}]):
        try:
            expected = c.reference_canonical(value)
        except TypeError:  # a date is no JSON value: both refuse it
            with pytest.raises(TypeError):
                c.canonical(value)
        else:
            assert c.canonical(value) == expected


def test_decimals_dates_and_times_travel_as_strings():
    value = {"amount": Decimal("450000.00"), "day": dt.date(2027, 6, 30)}
    value["at"] = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    assert c.jsonable(value) == {
        "amount": "450000.00",
        "day": "2027-06-30",
        "at": "2026-03-01T09:30:00.000000Z",
    }


def test_the_hash_covers_the_signature_and_the_signature_covers_everything_else():
    log = FakeLog("pk-baku")
    event = log.append("item.published", item_body(UID, "Cotton"))
    public = keys.parse_public(log.public_key)
    assert keys.verify(public, event["sig"], c.signed_part(event))
    assert c.signed_part(event) == c.canonical({k: v for k, v in event.items() if k != "sig"})
    resigned = {**event, "sig": keys.sign(keys.generate(), c.signed_part(event))}
    assert c.event_hash(resigned) != c.event_hash(event)
    assert log.append("item.updated", item_body(UID, "Cotton, 30 t"))["prev"] == c.event_hash(event)


def test_public_keys_are_read_back_and_bad_ones_named():
    key = keys.generate()
    assert keys.public_text(keys.parse_public(keys.public_text(key))) == keys.public_text(key)
    for bad, reason in (
        ("abc", "must start"),
        ("ed25519:AAAA", "32 bytes"),
        ("ed25519:!!", "base64"),
    ):
        try:
            keys.parse_public(bad)
        except ValueError as error:
            assert reason in str(error)
        else:
            raise AssertionError(f"{bad} was accepted")
    assert keys.public_text(keys.parse_private(keys.private_pem(key).decode())) == keys.public_text(
        key
    )


def test_a_signed_request_verifies_only_unchanged_recent_and_for_its_recipient():
    key = keys.generate()
    headers = peerauth.sign_headers(
        key=key,
        method="GET",
        target="/exchange/v1/events?after=0&limit=10",
        sender="pk-baku",
        recipient="az-islamabad",
        now=1_000_000,
    )
    claimed = peerauth.Claimed("pk-baku", headers["Bureau-Timestamp"], headers["Bureau-Signature"])

    def problem(**changes: object) -> str | None:
        args = {
            "public_key": key.public_key(),
            "method": "GET",
            "target": "/exchange/v1/events?after=0&limit=10",
            "recipient": "az-islamabad",
            "body": b"",
            "now": 1_000_010,
        } | changes
        return peerauth.check(claimed, **args)  # type: ignore[arg-type]

    assert problem() is None
    assert "does not verify" in (problem(target="/exchange/v1/events?after=5&limit=10") or "")
    assert "does not verify" in (problem(recipient="az-baku") or "")
    assert "does not verify" in (problem(body=b"x") or "")
    assert "does not verify" in (problem(public_key=keys.generate().public_key()) or "")
    assert "away from this node's clock" in (problem(now=1_000_000 + 301) or "")
    assert peerauth.target_of("/bureau/exchange/v1/notify", "") == "/exchange/v1/notify"


def _chain(n: int) -> FakeLog:
    log = FakeLog("pk-baku")
    for i in range(n):
        log.append("item.published", item_body(f"00000000-0000-4000-8000-{i:012d}", f"Lot {i}"))
    return log


def _check(log: FakeLog, events: list[dict], after: int = 0, every: bool = False):
    return check_chain(
        events,
        node=log.name,
        key=keys.parse_public(log.public_key),
        after_seq=after,
        after_hash=c.event_hash(log.events[after - 1]) if after else c.GENESIS,
        every_signature=every,
    )


def test_a_sound_chain_is_verified_whole_in_both_modes():
    log = _chain(5)
    for every in (False, True):
        check = _check(log, log.events, every=every)
        assert check.problem == "" and check.waiting == ""
        assert [v.seq for v in check.verified] == [1, 2, 3, 4, 5]
        assert check.verified[-1].hash == log.head_hash


def _badly_signed_by_its_own_key(n: int, bad: set[int]) -> FakeLog:
    """A log whose events ``bad`` carry signatures that do not verify, while the later
    events, signed with the right key, link to them: only the key's holder can make this."""
    log = FakeLog("pk-baku")
    for i in range(1, n + 1):
        event = log.append("item.published", item_body(f"00000000-0000-4000-8000-{i:012d}", "x"))
        if i in bad:
            event["sig"] = keys.sign(keys.generate(), c.signed_part(event))
    return log


def _receive(log: FakeLog, page: int, every: bool) -> tuple[int, str]:
    """Pull the whole log page by page as a receiver does: (applied up to, why it stopped).
    Unvouched events ending a page cut short are judged with the next page; ending the log,
    they stop replication."""
    applied = 0
    while True:
        end = min(applied + page, len(log.events))  # the page reaches the head when end == n
        check = _check(log, log.events[applied:end], after=applied, every=every)
        applied += len(check.verified)
        if check.problem or applied == len(log.events):
            return applied, check.problem
        if check.waiting and (end == len(log.events) or not check.verified):
            return applied, check.waiting


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 7),
    bad=st.sets(st.integers(1, 7), max_size=3),
    page=st.integers(1, 8),
)
def test_the_outcome_is_the_same_in_both_modes_and_wherever_pages_are_cut(n, bad, page):
    """An event whose own signature fails is taken exactly when a later well-signed event
    vouches for it, whether that event is in the same page or not, in either mode."""
    bad = {b for b in bad if b <= n}
    log = _badly_signed_by_its_own_key(n, bad)
    vouched = max((i for i in range(1, n + 1) if i not in bad), default=0)
    chain, every = _receive(log, page, False), _receive(log, page, True)
    assert chain == every
    applied, stopped = chain
    if page > len(bad):  # no page can be all unsigned events with more after it
        assert applied == vouched, page
    if applied < n:
        assert f"event {applied + 1}: the signature does not verify" in stopped
    else:
        assert stopped == ""
    unsigned = _check(log, log.events, every=True).unsigned
    assert unsigned == sorted(b for b in bad if b < vouched)


def _tamper(event: dict, where: str) -> None:
    if where == "body":
        event["body"]["title"] += " (changed)"
    elif where == "sig":
        event["sig"] = event["sig"][:-2] + ("AA" if event["sig"][-2:] != "AA" else "BB")
    elif where == "type":
        event["type"] = "item.withdrawn"
    elif where == "at":
        event["at"] = "2020-01-01T00:00:00.000000Z"


@settings(max_examples=60, deadline=None)
@given(
    position=st.integers(0, 5),
    where=st.sampled_from(["body", "sig", "type", "at"]),
    every=st.booleans(),
)
def test_any_altered_event_stops_the_chain_exactly_there(position, where, every):
    log = _chain(6)
    events = copy.deepcopy(log.events)
    _tamper(events[position], where)
    check = _check(log, events, every=every)
    assert [v.seq for v in check.verified] == list(range(1, position + 1))
    # The last event altered: nothing after it can vouch for it yet, so it waits; any other
    # is cut off from the signed events after it, so replication stops there.
    reason = check.waiting if position == 5 else check.problem
    assert f"event {position + 1}" in reason and "signature does not verify" in reason


def test_gap_fork_replay_foreign_node_and_unknown_key_are_named():
    log = _chain(4)
    check = _check(log, [log.events[0], log.events[2]])
    assert [v.seq for v in check.verified] == [1] and "gap" in check.problem

    other = FakeLog("pk-baku", key=log.key)  # the same key, another history: a fork
    other.append("item.published", item_body(UID, "Another first event"))
    fork = other.append("item.published", item_body(UID, "Forked second"))
    check = _check(log, [log.events[0], fork])
    assert [v.seq for v in check.verified] == [1] and "fork" in check.problem

    check = _check(log, [log.events[0], log.events[0]])
    assert "replays" in check.problem

    stranger = FakeLog("az-baku", key=log.key)
    check = _check(log, [stranger.append("item.published", item_body(UID, "Not mine"))])
    assert "names node 'az-baku'" in check.problem

    forger = FakeLog("pk-baku")  # right name, unknown key: nothing vouches for it
    check = _check(log, [forger.append("item.published", item_body(UID, "Forged"))])
    assert check.verified == [] and "signature does not verify" in check.waiting


def test_malformed_events_are_refused_not_crashed_on():
    log = _chain(1)
    malformed: list[Any] = [
        "text",
        {"seq": 1},
        {**log.events[0], "seq": 1.0},
        {**log.events[0], "extra": 1},
    ]
    for bad in malformed:
        check = _check(log, [bad])
        assert check.verified == [] and "malformed" in check.problem
    floating = copy.deepcopy(log.events[0])
    floating["body"]["quantity"] = 20.5
    assert "fraction" in _check(log, [floating]).problem
    surrogate = copy.deepcopy(log.events[0])
    surrogate["body"]["title"] = "\ud800"
    assert _check(log, [surrogate]).problem
