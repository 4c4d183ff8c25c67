"""Live channel benchmark: N open Server-Sent Events streams on one `bureau serve` process.

On the embedded default (SQLite, one `bureau serve` process with its in-process worker), N
client streams (default 10,000), each a different user whose subscription matches 1% of the
items, are opened from separate client processes. Items are then published through the API at a
steady rate, and each event's latency is measured from the return of the publish call to its
arrival at the client (both clocks are the machine's monotonic clock). A second phase, the burst,
publishes many items in bulk through the service layer from another process, for the sustained
deliveries per second. bench/README.md explains the choices and the figures.

Baseline, in the same run and with the same client processes and publisher: a bare uvicorn SSE
server (no Django, no database, no matching) that fans each published item out to the same 1%
of the streams. Its figures are the floor this machine sets for holding N streams and pushing the
events through them; the ratio shows what Django, SQLite, matching and delivery records add.

    .venv/bin/python bench/live_latency.py [--streams 10000] [--rate 10] [--seconds 30]
                                           [--burst-items 2000] [--batch 100] [--clients 2]

Progress goes to stderr; the figures, last, to stdout as one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    REPO,
    VENV_BIN,
    bench_env,
    cpu_seconds,
    emit,
    free_port,
    log,
    ms,
    percentile,
)

GROUPS = 100  # each item matches the streams of one group: 1% of them
SUMMARY = (
    "Exhibitors from both countries meet buyers of textiles, rice, fruit, machinery and energy "
    "services; the chambers arrange meetings, visas and stands for registered companies."
)


def group_word(group: int) -> str:
    """A word only the items and subscriptions of ``group`` contain."""
    return f"zq{chr(97 + group // 26)}{chr(97 + group % 26)}"


def raise_fd_limit() -> None:
    """Every stream is a socket: lift the soft limit on open files to the hard one."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


# --- setup (a child process with Django) ---------------------------------------------


def phase_setup(streams: int, items: int, out: Path) -> None:
    """Users, subscriptions, live channels and tokens in bulk; draft items to publish."""
    import datetime as dt
    import hashlib
    import secrets

    import django

    django.setup()
    from django.utils import timezone

    from bureau.accounts.models import ApiToken, User
    from bureau.accounts.services import (
        TOKEN_PREFIX,
        organisation_create,
        token_create,
        user_create,
    )
    from bureau.alerts.models import Channel, Subscription
    from bureau.catalog import services

    chamber = organisation_create(
        actor=None,
        data={"name": "Bench Chamber", "kind": "chamber", "country": "AZ", "city": "Baku"},
    )
    staff = user_create(
        email="staff@bench.example", password=None, organisation=chamber, role="staff"
    )
    now = timezone.now()
    # Changed long ago: the worker's index reads them once, not on every round for 30 seconds.
    past = now - dt.timedelta(minutes=10)
    users = User.objects.bulk_create(
        [
            User(email=f"trader{i}@bench.example", password="!", role="member")
            for i in range(streams)
        ],
        batch_size=2000,
    )
    subscriptions = Subscription.objects.bulk_create(
        [
            Subscription(
                owner=u,
                name=f"Group {i % GROUPS}",
                keywords_any=[group_word(i % GROUPS)],
                created_at=past,
                updated_at=past,
            )
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    Channel.objects.bulk_create(
        [Channel(subscription=s, kind=Channel.Kind.LIVE) for s in subscriptions], batch_size=2000
    )
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user=u,
                name="bench",
                prefix=t[:12],
                digest=hashlib.sha256(t.encode()).hexdigest(),
                last_used_at=now,
            )
            for u, t in zip(users, tokens, strict=True)
        ],
        batch_size=2000,
    )
    drafts: list[int] = []
    for start in range(0, items, 500):
        prepared = [
            services.item_prepare(actor=staff, data=_notice(j))
            for j in range(start, min(items, start + 500))
        ]
        drafts += [i.pk for i in services.items_save(prepared, actor=staff, publish=False)]
    out.write_text(
        json.dumps(
            {"staff": token_create(user=staff, name="bench"), "tokens": tokens, "drafts": drafts}
        )
    )


def _notice(j: int) -> dict[str, Any]:
    return {
        "kind": "notice",
        "notice_type": "event",
        "title": f"Trade fair {j}, {group_word(j % GROUPS)}",
        "summary": SUMMARY,
        "countries": ["AZ", "PK"],
    }


# --- the clients (child processes, asyncio and raw sockets) -----------------------------


class SSEClient(asyncio.Protocol):
    """One stream: HTTP/1.1 chunked body, SSE frames; records (item id, arrival) per event."""

    def __init__(
        self, request: bytes, opened: asyncio.Future[bool], arrivals: list[tuple[int, float]]
    ) -> None:
        self.request, self.opened, self.arrivals = request, opened, arrivals
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.body = b""
        self.headers_done = False
        self.open = False
        self.seen: set[bytes] = set()
        self.duplicates = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if not self.opened.done():
            self.opened.set_result(False)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        if not self.headers_done:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if b" 200 " not in buf[: buf.find(b"\r\n")]:
                self.opened.set_result(False)
                self.transport.close()  # type: ignore[union-attr]
                return
            self.headers_done, buf = True, buf[end + 4 :]
        body = self.body
        while (nl := buf.find(b"\r\n")) >= 0:
            size = int(buf[:nl], 16)
            if len(buf) < nl + 4 + size:
                break
            body += buf[nl + 2 : nl + 2 + size]
            buf = buf[nl + 4 + size :]
        self.buf = buf
        if b"\n\n" in body:
            self._events(body)
        else:
            self.body = body

    def _events(self, body: bytes) -> None:
        now = time.monotonic()
        *frames, self.body = body.split(b"\n\n")
        for frame in frames:
            if frame.startswith(b"id: "):
                delivery = frame[4 : frame.find(b"\n")]
                if delivery in self.seen:
                    self.duplicates += 1
                    continue
                self.seen.add(delivery)
                at = frame.find(b'"item":{"id":') + 13
                self.arrivals.append((int(frame[at : frame.find(b",", at)]), now))
            elif frame.startswith(b"retry:") and not self.opened.done():
                self.open = True
                self.opened.set_result(True)


async def run_clients(host: str, port: int, path: str, tokens: list[str], concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    arrivals: list[tuple[int, float]] = []
    clients: list[SSEClient] = []
    semaphore = asyncio.Semaphore(concurrency)
    failed = 0

    async def open_one(token: str) -> None:
        nonlocal failed
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
        async with semaphore:
            for _attempt in range(5):
                opened: asyncio.Future[bool] = loop.create_future()
                client = SSEClient(request, opened, arrivals)
                try:
                    await loop.create_connection(lambda c=client: c, host, port)  # type: ignore[misc]
                    if await asyncio.wait_for(opened, 300):
                        clients.append(client)
                        return
                except (OSError, TimeoutError):
                    pass
                await asyncio.sleep(0.5)
            failed += 1

    await asyncio.gather(*(open_one(t) for t in tokens))
    print(json.dumps({"held": len(clients), "failed": failed}), flush=True)
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "count":
        print(json.dumps({"count": len(arrivals)}), flush=True)
    report = {
        "held_at_end": sum(c.open for c in clients),
        "duplicates": sum(c.duplicates for c in clients),
        "arrivals": arrivals,
    }
    print(json.dumps(report), flush=True)


def phase_clients(url: str, tokens_file: Path, part: int, parts: int, concurrency: int) -> None:
    raise_fd_limit()
    host, _, port = url.removeprefix("http://").partition(":")
    port, _, path = port.partition("/")
    tokens = json.loads(tokens_file.read_text())["tokens"][part::parts]
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(run_clients(host, int(port), "/" + path, tokens, concurrency))


# --- the baseline server: bare uvicorn SSE, no Django ----------------------------------


class BaselineApp:
    """SSE streams keyed by the group in their bearer token ('g17'); POST /publish/<n> sends
    item n to the streams of group n % 100, in the same frame shape as the bureau's."""

    def __init__(self) -> None:
        self.groups: dict[int, set[asyncio.Queue[bytes]]] = defaultdict(set)
        self.sequence = 0

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            return
        if scope["path"].startswith("/publish/"):
            await self.publish(int(scope["path"].rsplit("/", 1)[1]), receive, send)
        else:
            await self.stream(dict(scope["headers"]), receive, send)

    async def publish(self, n: int, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        await receive()
        item = json.dumps(
            {
                "id": n,
                "title": f"Trade fair {n}",
                "kind": "notice",
                "summary": SUMMARY,
                "url": f"http://127.0.0.1/items/{n}/",
            }
        )
        for queue in self.groups.get(n % GROUPS, ()):
            self.sequence += 1
            data = f'{{"delivery":"{self.sequence}","subscription":{{"id":1,"name":"Group"}},"item":{item}}}'
            queue.put_nowait(f"id: {self.sequence}\nevent: item\ndata: {data}\n\n".encode())
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"{}"})

    async def stream(
        self, headers: dict[bytes, bytes], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        group = int(headers.get(b"authorization", b"Bearer g0").split(b"g")[-1])
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)
        self.groups[group].add(queue)
        # Like Django's handler, watch for the client leaving while the response streams.
        writer = asyncio.ensure_future(self._write(queue, send))
        try:
            await asyncio.wait(
                [writer, asyncio.ensure_future(_disconnected(receive))],
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            writer.cancel()
            self.groups[group].discard(queue)

    async def _write(self, queue: asyncio.Queue[bytes], send: Callable[..., Any]) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        await send({"type": "http.response.body", "body": b"retry: 2000\n\n", "more_body": True})
        while True:
            frame = await queue.get()
            await send({"type": "http.response.body", "body": frame, "more_body": True})


async def _disconnected(receive: Callable[..., Any]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def phase_baseline_server(port: int) -> None:
    import uvicorn

    raise_fd_limit()
    uvicorn.run(
        BaselineApp(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )


# --- the run -------------------------------------------------------------------------


def child(*args: str, env: dict[str, str], **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, *args],
        env=env,
        cwd=REPO,
        text=True,
        preexec_fn=raise_fd_limit,
        **popen,
    )


def wait_for_port(port: int, process: subprocess.Popen[Any]) -> None:
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError("server did not listen within 60 s")


def stop(process: subprocess.Popen[Any]) -> None:
    """Terminate a server; open streams keep uvicorn waiting, so kill it after a grace period."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def publish_all(
    port: int, items: Sequence[tuple[int, str]], token: str, rate: float, connections: int
) -> dict[int, float]:
    """POST each (item id, path), at ``rate`` per second (0: as fast as possible), over
    ``connections`` keep-alive connections; the monotonic time each call returned, by item id."""
    returned: dict[int, float] = {}
    start = time.monotonic() + 0.2
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for j in range(k, len(items), connections):
            if rate and (delay := start + j / rate - time.monotonic()) > 0:
                time.sleep(delay)
            item, path = items[j]
            conn.request("POST", path, body=b"{}", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"POST {path}: HTTP {response.status}")
            returned[item] = time.monotonic()
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return returned


def phase_publish_bulk(first: int, count: int, batch: int) -> None:
    """Publish ``count`` new items through the service layer, ``batch`` per transaction; print
    when each call returned, by item id."""
    import django

    django.setup()
    from bureau.accounts.models import User
    from bureau.catalog import services

    staff = User.objects.get(email="staff@bench.example")
    prepared = [
        services.item_prepare(actor=staff, data=_notice(j)) for j in range(first, first + count)
    ]
    returned: dict[int, float] = {}
    # When publishing begins: the process's start-up and the items' validation come before it.
    print(json.dumps({"started": time.monotonic()}), flush=True)
    for start in range(0, count, batch):
        saved = services.items_save(prepared[start : start + batch], actor=staff, publish=True)
        now = time.monotonic()
        returned |= {item.pk: now for item in saved}
    print(json.dumps(returned), flush=True)


class Clients:
    """The client processes of one target, each holding its share of the streams."""

    def __init__(self, url: str, tokens_file: Path, parts: int, env: dict[str, str]) -> None:
        self.processes = [
            child("--phase", "clients", "--url", url, "--tokens-file", str(tokens_file), "--part", str(k), "--parts", str(parts),
                  env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            for k in range(parts)
        ]  # fmt: skip

    def _ask(self, command: str) -> list[dict[str, Any]]:
        for process in self.processes:
            process.stdin.write(command + "\n")  # type: ignore[union-attr]
            process.stdin.flush()  # type: ignore[union-attr]
        return [json.loads(p.stdout.readline()) for p in self.processes]  # type: ignore[union-attr]

    def wait_held(self) -> tuple[int, int]:
        reports = [json.loads(p.stdout.readline()) for p in self.processes]  # type: ignore[union-attr]
        return sum(r["held"] for r in reports), sum(r["failed"] for r in reports)

    def drain(self, expected: int, quiet_s: float, limit_s: float) -> int:
        """Wait until ``expected`` events arrived, or none for ``quiet_s``; the count."""
        count, last, changed, deadline = -1, -1, time.monotonic(), time.monotonic() + limit_s
        while time.monotonic() < deadline:
            count = sum(r["count"] for r in self._ask("count"))
            if count >= expected:
                break
            if count != last:
                last, changed = count, time.monotonic()
            elif time.monotonic() - changed > quiet_s:
                break
            time.sleep(0.2)
        return count

    def finish(self) -> dict[str, Any]:
        merged: dict[str, Any] = {"held_at_end": 0, "duplicates": 0, "arrivals": []}
        for report in self._ask("stop"):
            for key in ("held_at_end", "duplicates"):
                merged[key] += report[key]
            merged["arrivals"] += report["arrivals"]
        for process in self.processes:
            process.wait(timeout=60)
        return merged


@dataclass
class Target:
    name: str
    port: int
    server: subprocess.Popen[Any]
    tokens_file: Path
    stream_path: str
    steady: Callable[[int, int], dict[int, float]]  # (first j, count) -> {item id: returned at}
    burst: Callable[[int, int], dict[int, float]]
    # When the burst's publisher began publishing, if it says so (after its own start-up).
    burst_started: dict[str, float] = field(default_factory=dict)


def measure(target: Target, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Open the streams, publish at the steady rate, then in a burst; the figures of ``target``."""
    clients = Clients(
        f"http://127.0.0.1:{target.port}{target.stream_path}", target.tokens_file, args.clients, env
    )
    started = time.monotonic()
    held, failed = clients.wait_held()
    connect_s = time.monotonic() - started
    pid = target.server.pid
    log(
        f"{target.name}: {held} streams held ({failed} failed) after {connect_s:.1f} s; server RSS {rss_mib(pid)} MiB"
    )
    figures: dict[str, Any] = {"streams_held": held, "streams_failed": failed, "connect_s": round(connect_s, 1),
                               "server_rss_mib": rss_mib(pid), "server_threads": threads_of(pid)}  # fmt: skip
    steady_n = int(args.rate * args.seconds)
    per_item = held / GROUPS
    # One item first, not measured: the worker reads every subscription into its index once.
    target.steady(0, 1)
    clients.drain(round(per_item), quiet_s=args.drain, limit_s=120)
    first = time.monotonic()
    steady = target.steady(1, steady_n)
    clients.drain(round(per_item * (1 + steady_n)), quiet_s=args.drain, limit_s=120)
    burst_first, burst_cpu = time.monotonic(), cpu_seconds(pid)
    burst = target.burst(1 + steady_n, args.burst_items)
    expected = round(per_item * (1 + steady_n + args.burst_items))
    clients.drain(expected, quiet_s=args.drain, limit_s=900)
    burst_cpu = cpu_seconds(pid) - burst_cpu
    report = clients.finish()
    figures |= _latency(report, steady, burst, first, burst_first, held)
    publishing = target.burst_started.get("started", burst_first)
    burst_arrivals = [at for item, at in report["arrivals"] if item in burst]
    figures["burst_deliveries_per_s_publishing"] = _rate(burst_arrivals, publishing)
    # The server's CPU time over the burst per delivery received (the server publishes nothing
    # itself in the burst: it matches, records and sends).
    figures["burst_server_cpu_us_per_delivery"] = (
        round(burst_cpu * 1e6 / len(burst_arrivals), 1) if burst_arrivals else None
    )
    log(f"{target.name}: {json.dumps(figures)}")
    return figures


def _latency(report: dict[str, Any], steady: dict[int, float], burst: dict[int, float], first: float,
             burst_first: float, held: int) -> dict[str, Any]:  # fmt: skip
    """Latency from each publish call's return to each arrival; deliveries per second per phase."""
    steady_arrivals = [(item, at) for item, at in report["arrivals"] if item in steady]
    burst_arrivals = [(item, at) for item, at in report["arrivals"] if item in burst]
    latency = [at - steady[item] for item, at in steady_arrivals]
    burst_latency = [at - burst[item] for item, at in burst_arrivals]
    return {
        "published_steady": len(steady),
        "published_burst": len(burst),
        "deliveries_expected": round(held / GROUPS * (len(steady) + len(burst))),
        "deliveries_received": len(steady_arrivals) + len(burst_arrivals),
        "duplicates": report["duplicates"],
        "streams_held_at_end": report["held_at_end"],
        "p50_ms": ms(percentile(latency, 0.50)) if latency else None,
        "p99_ms": ms(percentile(latency, 0.99)) if latency else None,
        "max_ms": ms(max(latency)) if latency else None,
        "steady_deliveries_per_s": _rate([at for _, at in steady_arrivals], first),
        "burst_deliveries_per_s": _rate([at for _, at in burst_arrivals], burst_first),
        "burst_p50_ms": ms(percentile(burst_latency, 0.50)) if burst_latency else None,
        "burst_p99_ms": ms(percentile(burst_latency, 0.99)) if burst_latency else None,
    }


def _rate(arrivals: list[float], since: float) -> int:
    return round(len(arrivals) / (max(arrivals) - since)) if arrivals else 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()
    home = Path(tempfile.mkdtemp(prefix="bench-live-"))
    env = bench_env(home, "")
    subprocess.run(
        [str(VENV_BIN / "bureau"), "init", "--no-input"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    steady_n = int(args.rate * args.seconds)
    setup_file = home / "bench_live.json"
    log(
        f"creating {args.streams} users with a subscription and a token, and {steady_n} draft items"
    )
    started = time.monotonic()
    subprocess.run([sys.executable, __file__, "--phase", "setup", "--streams", str(args.streams), "--items", str(1 + steady_n),
                    "--out", str(setup_file)], env=env, cwd=REPO, check=True)  # fmt: skip
    log(f"set up in {time.monotonic() - started:.1f} s")
    setup = json.loads(setup_file.read_text())
    drafts = setup["drafts"]
    results: dict[str, Any] = {}

    baseline_tokens = home / "baseline_tokens.json"
    baseline_tokens.write_text(
        json.dumps({"tokens": [f"g{i % GROUPS}" for i in range(args.streams)]})
    )
    with serving([sys.executable, __file__, "--phase", "baseline-server"], env) as (port, server):

        def baseline(first: int, count: int, rate: float = 0) -> dict[int, float]:
            items = [(j, f"/publish/{j}") for j in range(first, first + count)]
            return publish_all(port, items, "none", rate, connections=4)

        results["baseline"] = measure(
            Target("baseline", port, server, baseline_tokens, "/stream",
                   lambda first, count: baseline(first, count, args.rate), baseline), args, env)  # fmt: skip

    with serving([str(VENV_BIN / "bureau"), "serve", "--host", "127.0.0.1"], env) as (port, server):

        def steady(first: int, count: int) -> dict[int, float]:
            items = [
                (drafts[j], f"/api/v1/items/{drafts[j]}/publish")
                for j in range(first, first + count)
            ]
            return publish_all(port, items, setup["staff"], args.rate, connections=4)

        def burst(first: int, count: int) -> dict[int, float]:
            command = [sys.executable, __file__, "--phase", "publish-bulk", "--first", str(first),
                       "--items", str(count), "--batch", str(args.batch)]  # fmt: skip
            out = subprocess.run(
                command, env=env, cwd=REPO, check=True, capture_output=True, text=True
            ).stdout
            lines = out.strip().splitlines()
            publishing.update(json.loads(lines[-2]))
            return {int(k): v for k, v in json.loads(lines[-1]).items()}

        publishing: dict[str, float] = {}
        results["bureau"] = measure(
            Target("bureau", port, server, setup_file, "/api/v1/stream", steady, burst, publishing),
            args,
            env,
        )
    return results


@contextlib.contextmanager
def serving(command: list[str], env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[Any]]]:
    port = free_port()
    server = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                              preexec_fn=raise_fd_limit)  # fmt: skip
    try:
        wait_for_port(port, server)
        yield port, server
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, default=10.0, help="Items published per second in the steady phase."
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="Length of the steady phase.")
    parser.add_argument(
        "--burst-items", type=int, default=2000, help="Items published in bulk (the burst)."
    )
    parser.add_argument(
        "--batch", type=int, default=100, help="Items per transaction in the burst."
    )
    parser.add_argument("--clients", type=int, default=2, help="Client processes.")
    parser.add_argument(
        "--drain",
        type=float,
        default=30.0,
        help="Give up waiting for events after this many quiet seconds.",
    )
    parser.add_argument(
        "--concurrency", type=int, default=50, help="Streams each client process opens at a time."
    )
    parser.add_argument("--phase", default="run", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--items", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--tokens-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--part", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--parts", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "setup":
        phase_setup(args.streams, args.items, args.out)
    elif args.phase == "clients":
        phase_clients(
            args.url, args.tokens_file, args.part, args.parts, concurrency=args.concurrency
        )
    elif args.phase == "publish-bulk":
        phase_publish_bulk(args.first, args.items, args.batch)
    elif args.phase == "baseline-server":
        phase_baseline_server(args.port)
    else:
        loadavg_start = list(os.getloadavg())  # how busy the machine was besides the bench
        results = run(args)
        bureau, baseline = results["bureau"], results["baseline"]
        emit(
            {
                "bench": "live_latency",
                "streams": args.streams,
                "streams_held": bureau["streams_held_at_end"],
                "rate_items_per_s": args.rate,
                "p50_ms": bureau["p50_ms"],
                "p99_ms": bureau["p99_ms"],
                "deliveries_per_s": bureau["burst_deliveries_per_s"],
                "steady_deliveries_per_s": bureau["steady_deliveries_per_s"],
                "deliveries_per_s_publishing": bureau["burst_deliveries_per_s_publishing"],
                "baseline_deliveries_per_s_publishing": baseline[
                    "burst_deliveries_per_s_publishing"
                ],
                "server_cpu_us_per_delivery": bureau["burst_server_cpu_us_per_delivery"],
                "baseline_server_cpu_us_per_delivery": baseline["burst_server_cpu_us_per_delivery"],
                "loadavg_start": loadavg_start,
                "loadavg_end": list(os.getloadavg()),
                "server_rss_mib": bureau["server_rss_mib"],
                "baseline_p99_ms": baseline["p99_ms"],
                "baseline_deliveries_per_s": baseline["burst_deliveries_per_s"],
                "ratio_p99_to_baseline": _ratio(bureau["p99_ms"], baseline["p99_ms"]),
                "ratio_deliveries_per_s_to_baseline": _ratio(
                    bureau["burst_deliveries_per_s"], baseline["burst_deliveries_per_s"]
                ),
                "bureau": bureau,
                "baseline": baseline,
            }
        )


def _ratio(value: float | None, base: float | None) -> float | None:
    return round(value / base, 2) if value and base else None


if __name__ == "__main__":
    main()
