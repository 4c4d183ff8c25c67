"""The node's signed event log, its peers, and what was received from each peer."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bureau.exchange.canonical import GENESIS


class NodeIdentity(models.Model):
    """What every process of one node must share, as the first process to start recorded it.

    A process whose node key or secret key differs refuses to start (``bureau.exchange.sharing``):
    two keys for one node would answer peers with two identities and refuse each other's
    session cookies. ``instance`` names this node's database for the live channel on Redis.
    """

    node = models.CharField(max_length=100, unique=True)
    public_key = models.CharField(max_length=100)
    secret_check = models.CharField(max_length=64)
    instance = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.node} {self.public_key}"


class LogHead(models.Model):
    """One row per node name: the last sequence number and hash of its log.

    Appending locks this row (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write
    transaction already serialises writers), so sequence numbers have no gaps and no twins.
    """

    node = models.CharField(max_length=100, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    last_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.node} #{self.last_seq}"


class LogEvent(models.Model):
    """One signed event of this node's log, stored in its canonical form (``data``) as sent."""

    node = models.CharField(max_length=100)
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    item_uid = models.UUIDField(null=True, blank=True, db_index=True)
    organisation_uid = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField()
    hash = models.CharField(max_length=64)
    data = models.TextField()

    class Meta:
        ordering: ClassVar = ["node", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["node", "seq"], name="one_event_per_node_and_seq")
        ]

    def __str__(self) -> str:
        return f"{self.node} #{self.seq} {self.type}"


class Peer(models.Model):
    """Another node this one pulls from (and nudges), with the cursor of what was applied."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        BROKEN = "broken", _("Stopped: broken chain")

    name = models.CharField(_("node name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    public_key = models.CharField(_("public key"), max_length=100)
    title = models.CharField(_("title"), max_length=300, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    # The last event applied from this peer: its sequence number, hash and time.
    cursor_seq = models.PositiveBigIntegerField(default=0)
    cursor_hash = models.CharField(max_length=64, default=GENESIS)
    cursor_at = models.DateTimeField(null=True, blank=True)
    # The peer's log head as it last told us.
    head_seq = models.PositiveBigIntegerField(default=0)
    head_at = models.DateTimeField(null=True, blank=True)
    refused_count = models.PositiveIntegerField(default=0)
    last_received_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    nudged_at = models.DateTimeField(null=True, blank=True)
    pulling_until = models.DateTimeField(null=True, blank=True)
    notified_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def events_behind(self) -> int:
        return max(0, self.head_seq - self.cursor_seq)

    @property
    def seconds_behind(self) -> float:
        """How far the applied events trail the peer's newest, in the peer's own clock."""
        if not self.events_behind or self.head_at is None:
            return 0.0
        if self.cursor_at is None:
            return max(0.0, (timezone.now() - self.head_at).total_seconds())
        return max(0.0, (self.head_at - self.cursor_at).total_seconds())


class ReceivedEvent(models.Model):
    """Every event taken from a peer, applied or refused, with its hash for replay and fork checks."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REFUSED = "refused", _("Refused")

    # No index of its own: the unique (peer, seq) index starts with it and covers its reads.
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, related_name="received", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    type = models.CharField(max_length=40)
    item_uid = models.UUIDField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["peer", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["peer", "seq"], name="one_received_event_per_seq")
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["peer", "-seq"],
                name="received_refused",
                condition=models.Q(outcome="refused"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.peer_id} #{self.seq} {self.outcome}"
