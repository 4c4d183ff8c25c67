"""One seam for "this changed": the app that makes a change announces it; the apps that care listen.

An owner app (catalog, accounts, commitments, ...) calls ``announce(change)`` inside the
transaction that makes the change, so what a listener writes (an outbox row, a log event) commits
or rolls back with it. Listeners register in their ``AppConfig.ready()``; the announcing app does
not know who they are. A listener that must act only after commit uses
``transaction.on_commit`` itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

C = TypeVar("C")

_listeners: dict[type, list[Callable[[Any], None]]] = defaultdict(list)


def listen(change_type: type[C], handler: Callable[[C], None]) -> None:
    """Call ``handler(change)`` for every announced change of ``change_type`` (registered once)."""
    if handler not in _listeners[change_type]:
        _listeners[change_type].append(handler)


def announce(change: object) -> None:
    """Hand ``change`` to every listener of its type, in the caller's transaction."""
    for handler in _listeners.get(type(change), ()):
        handler(change)
