"""``bureau demo --pair``: both chambers' nodes, each a ``bureau demo --node`` process of its
own, their output shown line by line under the node's name; stopping this process (Ctrl-C,
SIGTERM) stops both, and so does either node stopping by itself."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from bureau.demo import nodes

STOP_WAIT = 20.0  # seconds a node has to stop before it is killed


def run_pair(*, root: Path, host: str, ports: tuple[int, int], serve: bool, out: Any) -> int:
    """Run both demo nodes until they finish (``serve`` False) or until told to stop; the
    exit status: 0, or the first failing node's."""
    for node in nodes.NODES.values():
        nodes.public_key_of(node, root)  # each key made once, before either node reads it
    pairs = list(zip(nodes.NODES.values(), ports, reversed(ports), strict=True))
    children = [_start(node, root, host, port, other, serve) for node, port, other in pairs]
    lock = threading.Lock()
    readers = [
        threading.Thread(target=_show, args=(child.stdout, node.key, out, lock), daemon=True)
        for (node, _, _), child in zip(pairs, children, strict=True)
    ]
    for reader in readers:
        reader.start()
    stop = threading.Event()
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in handled}
    try:
        return _supervise(children, stop, serve)
    finally:
        _stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for reader in readers:
            reader.join(timeout=5)


def _start(
    node: nodes.DemoNode, root: Path, host: str, port: int, peer_port: int, serve: bool
) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "bureau.cli", "demo", "--node", node.key, "--host", host,
               "--port", str(port), "--peer-port", str(peer_port)]  # fmt: skip
    env = nodes.environment(node, root=root, host=host, port=port, base=os.environ)
    return subprocess.Popen(
        [*command, *([] if serve else ["--no-serve"])],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Both children start before any thread of this process does, so the hook is safe.
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )


def _die_with_parent() -> None:
    """Linux: the node gets SIGTERM when this process dies, even killed with SIGKILL."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _show(stream: IO[str] | None, label: str, out: Any, lock: threading.Lock) -> None:
    if stream is None:
        return
    for line in stream:
        with lock:
            out.write(f"{label:<9} | {line.rstrip()}")
            out.flush()


def _supervise(children: list[subprocess.Popen[str]], stop: threading.Event, serve: bool) -> int:
    while not stop.wait(0.2):
        codes = [child.poll() for child in children]
        if serve and any(code is not None for code in codes):
            return next(code for code in codes if code is not None) or 1  # one stopped alone
        if not serve and all(code is not None for code in codes):
            return next((code for code in codes if code), 0)
    return 0


def _stop_all(children: list[subprocess.Popen[str]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
