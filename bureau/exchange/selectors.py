"""Reads for the status page, ``bureau peer list`` and the origin shown beside received items."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet

from bureau.exchange.models import Peer, ReceivedEvent

TITLES_CACHE_SECONDS = 30


@dataclass(frozen=True)
class PeerRow:
    peer: Peer
    events_behind: int
    seconds_behind: float
    catching_up: bool
    percent: int  # of the peer's log applied here


def peer_rows() -> list[PeerRow]:
    rows = []
    for peer in Peer.objects.all():
        behind = peer.events_behind
        percent = (
            100
            if not peer.head_seq
            else int(100 * min(peer.cursor_seq, peer.head_seq) / peer.head_seq)
        )
        rows.append(
            PeerRow(
                peer=peer,
                events_behind=behind,
                seconds_behind=round(peer.seconds_behind, 1),
                catching_up=behind > 0 and peer.state == Peer.State.ACTIVE,
                percent=percent,
            )
        )
    return rows


def recent_refusals(limit: int = 20) -> QuerySet[ReceivedEvent]:
    return (
        ReceivedEvent.objects.filter(outcome=ReceivedEvent.Outcome.REFUSED)
        .select_related("peer")
        .order_by("-received_at", "-seq")[:limit]
    )


def node_titles() -> dict[str, str]:
    """Peer node name -> its title, for showing where a received item comes from."""
    titles = cache.get("exchange:titles")
    if titles is None:
        titles = dict(Peer.objects.values_list("name", "title"))
        cache.set("exchange:titles", titles, TITLES_CACHE_SECONDS)
    return dict(titles)
