"""Helpers shared by the benchmarks: progress, percentiles, bench databases, a server, wrk.

A benchmark prints its progress on stderr and its figures last on stdout as one JSON line.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# Rate limiting would refuse a load test; the bench measures the server, not the limiter.
UNLIMITED_RATE = "1000000000/s"


def log(message: str) -> None:
    """Progress for the person running the bench; stdout is kept for the figures."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0..1) of ``samples``."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def emit(figures: dict[str, Any]) -> None:
    """The figures, last, on stdout as one JSON line."""
    print(json.dumps(figures, default=str), flush=True)


def last_json_line(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON line in output:\n{text[-2000:]}")


# --- databases -----------------------------------------------------------------------


def database_url(engine: str, home: Path, pg_name: str) -> str:
    """The DATABASE_URL of a bench database ('' means SQLite in BUREAU_HOME)."""
    return f"{PG_SERVER}/{pg_name}" if engine == "postgres" else ""


def pg_admin(sql: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def pg_drop(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_store(engine: str, home: Path, pg_name: str) -> None:
    """Remove a bench database (and its BUREAU_HOME) so that it is built anew."""
    if engine == "postgres":
        pg_drop(pg_name)
        pg_admin(f'CREATE DATABASE "{pg_name}"')
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)


def bench_env(home: Path, url: str, **extra: str) -> dict[str, str]:
    """The environment of a bench child process or server."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        BUREAU_HOME=str(home),
        BUREAU_API_RATE=UNLIMITED_RATE,
        BUREAU_LOGIN_RATE=UNLIMITED_RATE,
        BUREAU_STREAMS_PER_ADDRESS="0",  # every bench client connects from 127.0.0.1
        BUREAU_DEBUG="false",
        BUREAU_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    if url:
        env["DATABASE_URL"] = url
    return env


def run_child(args: list[str], env: dict[str, str], timeout: float = 7200) -> dict[str, Any]:
    """Run a phase of a bench in a fresh process (its own settings) and return its JSON line."""
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=None,  # progress goes straight through
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed with exit code {done.returncode}")
    return last_json_line(done.stdout)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used: a cost that the machine's other work
    does not change, unlike the rates."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """CPU seconds used so far by each process of the local PostgreSQL server (its backends,
    writers and checkpointer), by pid; a backend that ends between two readings is lost."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if stat.with_name("comm").read_text().strip() == "postgres":
                out[int(stat.parent.name)] = cpu_seconds(int(stat.parent.name))
    return out


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds PostgreSQL's processes used since ``before`` (``postgres_cpu()``)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in postgres_cpu().items())


# --- a server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


BENCH_REDIS_URL = "redis://127.0.0.1:6379/15"


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def serve(
    env: dict[str, str],
    *,
    workers: int = 1,
    probe: str = "/",
    worker: bool = False,
    server: str = "uvicorn",
) -> Iterator[Server]:
    """Start ``bureau serve`` on a free port, wait until it answers, and stop it afterwards.

    ``worker`` keeps the background worker in the server process (off for load tests)."""
    import httpx

    port = free_port()
    command = [str(VENV_BIN / "bureau"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), *([] if worker else ["--no-worker"])]
    command += ["--server", server] if server != "uvicorn" else []
    if workers > 1 and not env.get("REDIS_URL"):
        # Several web processes share live events through Redis; the bench's own database.
        env = {**env, "REDIS_URL": BENCH_REDIS_URL}
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"bureau serve exited with code {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + probe, timeout=5).status_code < 500:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("bureau serve did not answer within 60 s")
            time.sleep(0.2)
        yield Server(base, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load generation -----------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%(paths)s}
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
"""


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


def load_test(base_url: str, paths: Sequence[str], *, clients: int = 50, seconds: int = 10) -> Load:
    """Requests/s with ``clients`` concurrent connections over random ``paths``."""
    if shutil.which("wrk"):
        return _wrk(base_url, paths, clients, seconds)
    return _httpx_load(base_url, paths, clients, seconds)


def _wrk(base_url: str, paths: Sequence[str], clients: int, seconds: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": ",".join(json.dumps(p) for p in paths), "seed": 42})
    try:
        # One wrk thread leaves the second core to the server; it drives 50 connections easily.
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    return Load(
        rps=float(_grab(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_wrk_ms(_grab(r"(?m)^\s+50%\s+(\S+)", out)),
        p99_ms=_wrk_ms(_grab(r"(?m)^\s+99%\s+(\S+)", out)),
        requests=int(_grab(r"(\d+) requests in", out)),
        errors=_wrk_errors(out),
        tool="wrk",
    )


def _grab(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if not found:
        raise RuntimeError(f"wrk output lacks {pattern!r}:\n{text}")
    return found.group(1)


def _wrk_ms(value: str) -> float:
    number = float(re.sub(r"[a-z]+$", "", value))
    unit = re.sub(r"^[\d.]+", "", value)
    return round(number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 2)


def _wrk_errors(out: str) -> int:
    total = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?timeout (\d+)"):
        found = re.search(pattern, out)
        total += int(found.group(1)) if found else 0
    return total


def _httpx_load(base_url: str, paths: Sequence[str], clients: int, seconds: int) -> Load:
    """Fallback without wrk: an asyncio client in a separate process."""
    code = _HTTPX_CLIENT % {"base": base_url, "paths": list(paths), "c": clients, "s": seconds}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out)
    return Load(tool="httpx", **result)


_HTTPX_CLIENT = """
import asyncio, json, random, time, httpx
async def main():
    paths, lat, errors, stop = %(paths)r, [], 0, time.monotonic() + %(s)d
    async with httpx.AsyncClient(base_url=%(base)r, limits=httpx.Limits(max_connections=%(c)d)) as c:
        async def one():
            nonlocal errors
            while time.monotonic() < stop:
                t = time.perf_counter()
                r = await c.get(random.choice(paths))
                lat.append(time.perf_counter() - t)
                errors += r.status_code >= 400
        await asyncio.gather(*(one() for _ in range(%(c)d)))
    lat.sort()
    print(json.dumps({"rps": len(lat) / %(s)d, "p50_ms": lat[len(lat) // 2] * 1000,
                      "p99_ms": lat[int(len(lat) * 0.99)] * 1000, "requests": len(lat), "errors": errors}))
asyncio.run(main())
"""
