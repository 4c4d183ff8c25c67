"""`bureau demo --pair` (what `make run` starts), as real processes from a fresh folder: both
chambers' nodes come up with their own content, already exchanging; what one publishes
appears at the other; stopping the parent stops both nodes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bureau.demo import content, nodes
from tests.exchange.support import free_port
from tests.live.support import lead, publish

BUREAU = str(Path(sys.executable).with_name("bureau"))
WAIT = 180.0  # a bound on a hung start, not a timing


def wait_for(condition: Callable[[], Any], what: str, parent: subprocess.Popen[str]) -> Any:
    deadline = time.monotonic() + WAIT
    while True:
        with contextlib.suppress(httpx.HTTPError):
            value = condition()
            if value:
                return value
        assert parent.poll() is None, f"the demo stopped while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], Path]]:
    ports = {"islamabad": free_port(), "baku": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUREAU_")}
    env.pop("DATABASE_URL", None)
    env.update(BUREAU_HOME=str(tmp_path / "var"), BUREAU_DEMO_DATA="")
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        parent = subprocess.Popen(
            [BUREAU, "demo", "--pair", "--port", str(ports["islamabad"]),
             "--peer-port", str(ports["baku"])],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    urls = {key: f"http://127.0.0.1:{port}" for key, port in ports.items()}
    try:
        yield parent, urls, log
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in children_of(parent.pid):
            os.kill(pid, signal.SIGKILL)


def test_make_run_starts_both_nodes_exchanging_and_stops_both(pair, tmp_path: Path):
    parent, urls, log = pair
    for key, url in urls.items():

        def answers(url: str = url) -> dict[str, Any]:
            return dict(httpx.get(f"{url}/.well-known/bureau-node", timeout=5).json())

        assert wait_for(answers, f"the {key} node", parent)["name"] == nodes.NODES[key].name
    islamabad, baku = urls["islamabad"], urls["baku"]

    # Islamabad's home page shows what Baku published, with its origin.
    def received_on_home() -> bool:
        page = httpx.get(f"{islamabad}/", timeout=10).text
        return "Received from the other chamber" in page and (
            "From Pakistan Chamber of Commerce, Baku" in page
        )

    wait_for(received_on_home, "Baku's items on Islamabad's home page", parent)
    status = httpx.get(f"{islamabad}/exchange/", timeout=10).text
    row = status[status.index('id="peer-pk-baku"') :]
    assert "Up to date" in row[: row.index("</tr>")]
    # Each node holds only its own chamber's items; nothing was refused as "not the peer's".
    assert "Refused events" in status and "not the peer" not in status

    # What Baku's staff publish now appears at Islamabad.
    baku_env = nodes.environment(
        nodes.BAKU, root=tmp_path / "var", host="127.0.0.1", port=0, base=os.environ
    )
    token = subprocess.run(
        [BUREAU, "token", "create", "staff@pk-chamber.demo"],
        env={k: v for k, v in baku_env.items() if k != "DATABASE_URL"},
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout.strip()  # fmt: skip
    item = publish(baku, token, lead(title="Basmati rice, published at Baku for the test"))

    def at_islamabad() -> dict[str, Any] | None:
        found = httpx.get(f"{islamabad}/api/v1/items/{item['uid']}", timeout=5)
        return found.json() if found.status_code == 200 else None

    there = wait_for(at_islamabad, "the new item at Islamabad", parent)
    assert there["origin_node"] == content.BAKU and there["title"] == item["title"]

    # Stopping the parent stops both nodes.
    children = children_of(parent.pid)
    assert len(children) == 2 and all(alive(pid) for pid in children)
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=60) == 0, log.read_text()[-3000:]
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in children)
    for url in urls.values():
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=2)
