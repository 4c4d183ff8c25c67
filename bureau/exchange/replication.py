"""Pull a peer's log by cursor, verify it, apply it, advance the cursor: one transaction a page.

A page that fails verification is applied up to the last good event; then replication from
that peer stops (state "broken") with the reason on the status page and in the log, until an
admin resumes it. A peer that does not answer, or answers garbage, is only retried later. An
event whose content is refused here ("not the peer's item", invalid record) is recorded as
refused and replication goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bureau.catalog import index
from bureau.core import bulk
from bureau.exchange import canonical as c
from bureau.exchange import client, keys
from bureau.exchange.apply import Outcome, apply_events
from bureau.exchange.models import Peer, ReceivedEvent
from bureau.exchange.verify import ChainCheck, Verified, check_chain

log = logging.getLogger(__name__)

PAGE = 1000
LEASE_SECONDS = 15.0


class ChainBroken(Exception):
    """The peer's log cannot be applied past this point; replication from it stops."""


class Interrupted(Exception):
    """The peer was paused, or another process advanced its cursor, during this pull."""


@dataclass
class PullResult:
    peer: str
    applied: int = 0
    refused: int = 0
    replayed: int = 0
    error: str = ""
    broken: bool = False
    skipped: bool = False


def pull(peer: Peer, *, page_size: int = PAGE) -> PullResult:
    """Pull and apply everything the peer has after the cursor (or until something stops it)."""
    result = PullResult(peer.name)
    if not _take_lease(peer):
        result.skipped = True
        return result
    try:
        with (
            ThreadPoolExecutor(1, thread_name_prefix="bureau-exchange-fetch") as fetcher,
            index.syncs_held(),  # the search index catches up once, after the pages
        ):
            _pull_pages(peer, page_size, result, fetcher)
        _succeeded(peer)
    except client.PeerUnavailable as error:
        result.error = str(error)
        _failed(peer, result.error)
    except ChainBroken as error:
        result.error, result.broken = str(error), True
        _broken(peer, result.error)
    except Interrupted:
        pass
    finally:
        Peer.objects.filter(pk=peer.pk).update(pulling_until=None)
    return result


def _pull_pages(
    peer: Peer, page_size: int, result: PullResult, fetcher: ThreadPoolExecutor
) -> None:
    """Apply page after page; the next page is fetched while this one is being applied."""
    upcoming: Future[dict[str, Any]] | None = fetcher.submit(
        client.fetch_events, peer, after=peer.cursor_seq, limit=page_size
    )
    while upcoming is not None:
        page = upcoming.result()
        last = _last_seq(page["events"])
        upcoming = None
        if last is not None and last < page["head"]["seq"]:
            upcoming = fetcher.submit(client.fetch_events, peer, after=last, limit=page_size)
        more = receive_page(peer, page, result)
        if upcoming is not None and (not more or peer.cursor_seq != last):
            upcoming.cancel()  # the page was not applied in full: fetch again from the cursor
            upcoming = None
        if more and upcoming is None:
            upcoming = fetcher.submit(
                client.fetch_events, peer, after=peer.cursor_seq, limit=page_size
            )
        _renew_lease(peer)


def _last_seq(events: list[Any]) -> int | None:
    last = events[-1] if events else None
    return last["seq"] if isinstance(last, dict) and type(last.get("seq")) is int else None


def receive_page(peer: Peer, page: dict[str, Any], result: PullResult) -> bool:
    """Verify and apply one page; True when the peer has more after it."""
    head_seq, head_at = page["head"]["seq"], _head_at(page["head"])
    if head_seq < peer.cursor_seq:
        raise ChainBroken(
            f"the peer's log ends at event {head_seq}, but {peer.cursor_seq} events were "
            "applied from it: its log was reset or replaced"
        )
    events = page["events"]
    fresh = [e for e in events if not _already_applied(e, peer)]
    if len(fresh) < len(events):
        result.replayed += _check_replays(peer, [e for e in events if _already_applied(e, peer)])
    check = check_chain(
        fresh,
        node=peer.name,
        key=keys.parse_public(peer.public_key),
        after_seq=peer.cursor_seq,
        after_hash=peer.cursor_hash,
        every_signature=settings.BUREAU_EXCHANGE_VERIFY == "every",
    )
    if check.unsigned:
        log.warning(
            "exchange: %s events %s are vouched for by a later signature, but their own "
            "signatures do not verify: the peer's signing should be looked into",
            peer.name,
            check.unsigned,
        )
    if check.verified:
        outcome = _apply(peer, check.verified, head_seq, head_at)
        result.applied += len(check.verified) - len(outcome.refused)
        result.refused += len(outcome.refused)
    else:
        _note_head(peer, head_seq, head_at)
    if check.problem:
        raise ChainBroken(check.problem)
    if check.waiting:
        _read_on_or_stop(check, fresh, head_seq)
    return bool(fresh) and peer.cursor_seq < head_seq


def _read_on_or_stop(check: ChainCheck, fresh: list[Any], head_seq: int) -> None:
    """Unvouched events end the page. When the page was cut short by its limit, the next
    page, read from the new cursor, may vouch for them. When it reaches the end of the
    log, nothing does; nor when nothing could be taken (the same page would come back)."""
    last = _last_seq(fresh)
    if last is None or last >= head_seq:
        raise ChainBroken(f"{check.waiting}, and it ends the peer's log")
    if not check.verified:
        raise ChainBroken(f"{check.waiting}, and no event of a whole page vouches for it")


def _head_at(head: dict[str, Any]) -> dt.datetime | None:
    try:
        return c.parse_timestamp(head["at"]) if isinstance(head.get("at"), str) else None
    except ValueError:
        return None


def _already_applied(event: Any, peer: Peer) -> bool:
    return (
        isinstance(event, dict)
        and type(event.get("seq")) is int
        and event["seq"] <= peer.cursor_seq
    )


def _check_replays(peer: Peer, events: list[dict[str, Any]]) -> int:
    """Events at or before the cursor: the same as applied is a replay, ignored; else a fork."""
    stored = dict(
        ReceivedEvent.objects.filter(peer=peer, seq__in=[e["seq"] for e in events]).values_list(
            "seq", "hash"
        )
    )
    for event in events:
        try:
            same = stored.get(event["seq"]) == c.event_hash(event)
        except (UnicodeEncodeError, ValueError, TypeError):
            same = False
        if not same:
            raise ChainBroken(
                f"event {event['seq']} is a fork: it differs from the event {event['seq']} "
                "applied here before"
            )
    log.warning(
        "exchange: %s sent %d events already applied (up to %d); ignored as replays",
        peer.name,
        len(events),
        max(e["seq"] for e in events),
    )
    return len(events)


def _apply(
    peer: Peer, verified: list[Verified], head_seq: int, head_at: dt.datetime | None
) -> Outcome:
    """Apply the events, record them and advance the cursor, all in one transaction."""
    now, last = timezone.now(), verified[-1]
    with transaction.atomic():
        locked = Peer.objects.select_for_update().get(pk=peer.pk)
        if locked.cursor_seq != peer.cursor_seq or locked.state != Peer.State.ACTIVE:
            raise Interrupted
        outcome = apply_events(peer.name, verified)
        bulk.table(ReceivedEvent, RECEIVED_COLUMNS).insert(
            _received(peer, v, outcome, now) for v in verified
        )
        locked.cursor_seq, locked.cursor_hash = last.seq, last.hash
        locked.cursor_at = _event_at(last) or now
        locked.head_seq, locked.head_at = max(head_seq, last.seq), head_at or locked.cursor_at
        locked.refused_count += len(outcome.refused)
        locked.last_received_at = now
        locked.save()
    for name in ("cursor_seq", "cursor_hash", "cursor_at", "head_seq", "head_at", "refused_count"):
        setattr(peer, name, getattr(locked, name))
    for seq, reason in outcome.refused.items():
        log.warning("exchange: refused event %d from %s: %s", seq, peer.name, reason)
    return outcome


def _event_at(verified: Verified) -> dt.datetime | None:
    try:
        return c.parse_timestamp(verified.event["at"])
    except ValueError:
        return None


RECEIVED_COLUMNS = ("peer", "seq", "hash", "type", "item_uid", "outcome", "reason", "received_at")


def _received(peer: Peer, v: Verified, outcome: Outcome, now: dt.datetime) -> tuple[Any, ...]:
    reason = outcome.refused.get(v.seq, "")
    uid = v.body.get("uid") if v.type in c.ITEM_TYPES else None
    result = ReceivedEvent.Outcome.REFUSED if reason else ReceivedEvent.Outcome.APPLIED
    return (peer.pk, v.seq, v.hash, v.type[:40], _uuid_or_none(uid), result, reason, now)


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _note_head(peer: Peer, head_seq: int, head_at: dt.datetime | None) -> None:
    Peer.objects.filter(pk=peer.pk).update(head_seq=head_seq, head_at=head_at)
    peer.head_seq, peer.head_at = head_seq, head_at


# --- the lease, success and failure --------------------------------------------------


def _take_lease(peer: Peer) -> bool:
    """Only one process pulls from a peer at a time; a lease left by a killed one expires."""
    now = timezone.now()
    taken = (
        Peer.objects.filter(pk=peer.pk, state=Peer.State.ACTIVE)
        .filter(Q(pulling_until__isnull=True) | Q(pulling_until__lt=now))
        .update(pulling_until=now + dt.timedelta(seconds=LEASE_SECONDS), last_pull_at=now)
    )
    if taken:
        peer.refresh_from_db()
    return bool(taken)


def _renew_lease(peer: Peer) -> None:
    until = timezone.now() + dt.timedelta(seconds=LEASE_SECONDS)
    Peer.objects.filter(pk=peer.pk).update(pulling_until=until)


def _succeeded(peer: Peer) -> None:
    Peer.objects.filter(pk=peer.pk).update(
        failures=0, last_error="", last_success_at=timezone.now()
    )


def _failed(peer: Peer, error: str) -> None:
    Peer.objects.filter(pk=peer.pk).update(
        failures=peer.failures + 1, last_error=error[:2000], last_error_at=timezone.now()
    )
    log.warning("exchange: pulling from %s failed (will retry): %s", peer.name, error)


def _broken(peer: Peer, error: str) -> None:
    Peer.objects.filter(pk=peer.pk).update(
        state=Peer.State.BROKEN, last_error=error[:2000], last_error_at=timezone.now()
    )
    log.error(
        "exchange: replication from %s stopped after event %d: %s. Nothing after it was "
        "applied; `bureau peer resume %s` retries once the cause is fixed.",
        peer.name,
        peer.cursor_seq,
        error,
        peer.name,
    )


def retry_delay(peer: Peer) -> float:
    """Seconds between pulls: the poll interval; sooner (2, 4, 8 s...) to retry after failures."""
    poll = settings.BUREAU_EXCHANGE_POLL_SECONDS
    return poll if not peer.failures else min(poll, 2.0 ** min(peer.failures, 10))


def is_due(peer: Peer, now: dt.datetime) -> bool:
    if peer.state != Peer.State.ACTIVE:
        return False
    if peer.last_pull_at is None:
        return True
    if peer.nudged_at is not None and peer.nudged_at >= peer.last_pull_at:
        return True
    return (now - peer.last_pull_at).total_seconds() >= retry_delay(peer)


def pull_due() -> list[PullResult]:
    """Pull from every active peer that nudged this node or whose poll interval has passed."""
    now = timezone.now()
    return [
        pull(peer) for peer in Peer.objects.filter(state=Peer.State.ACTIVE) if is_due(peer, now)
    ]
