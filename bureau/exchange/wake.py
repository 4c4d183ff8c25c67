"""In-process wake-ups between the web side and the exchange jobs of the same process.

Another process (``bureau worker``) notices the same things within a second from the
database instead: the log head for pushing, ``Peer.nudged_at`` for pulling.
"""

from __future__ import annotations

import threading

# Set after a commit that grew this node's log: nudge the peers now.
PUSH = threading.Event()
# Set when a peer nudged this node: pull from it now.
PULL = threading.Event()
