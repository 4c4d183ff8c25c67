"""`bureau trade import` killed with SIGKILL at any moment: the store keeps its old state or
takes the new one whole, never half, and the same import afterwards completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

BUREAU = str(Path(sys.executable).with_name("bureau"))
ROWS = 2_000_000


@pytest.fixture(scope="module")
def big_baci(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BACI-shaped file of random flows between real M49 codes (generated, not real data)."""
    path = tmp_path_factory.mktemp("baci") / "synthetic-baci.csv"
    duckdb.sql(
        f"""COPY (SELECT 2022 AS t, [31, 586, 842, 156, 276][1 + (n % 5)] AS i,
                         [4, 8, 12, 31, 586, 643, 792, 860][1 + (n // 5 % 8)] AS j,
                         100110 + (n % 97) * 100 AS k, round(random() * 1000, 3) AS v, 'NA' AS q
                  FROM range({ROWS}) r(n)) TO '{path}' (HEADER, DELIMITER ',')"""  # noqa: S608 - our own path
    )
    return path


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(
        {"BUREAU_HOME": str(tmp_path / "home"), "BUREAU_TRADE_DIR": str(tmp_path / "trade")}
    )
    return environment


def _listed(trade: Path) -> list[dict[str, object]]:
    manifest = trade / "manifest.json"
    return json.loads(manifest.read_text())["datasets"] if manifest.exists() else []


def _consistent(trade: Path) -> int:
    """Every listed dataset is a whole, readable file with the rows the manifest says."""
    for dataset in _listed(trade):
        parquet = trade / "datasets" / f"{dataset['id']}.parquet"
        found = duckdb.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchone()
        assert found is not None and found[0] == dataset["rows"]
    return len(_listed(trade))


@pytest.mark.parametrize("delay", [0.3, 1.0, 1.8, 2.6])
def test_a_killed_import_leaves_the_old_state_or_the_new(
    delay: float, big_baci: Path, tmp_path: Path
):
    env = _environment(tmp_path)
    trade = tmp_path / "trade"
    importing = subprocess.Popen(
        [BUREAU, "trade", "import", str(big_baci), "--format", "baci"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    importing.send_signal(signal.SIGKILL)
    importing.wait(timeout=30)
    assert _consistent(trade) in (0, 1)

    again = subprocess.run(
        [BUREAU, "trade", "import", str(big_baci), "--format", "baci"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert _consistent(trade) == 1
    assert _listed(trade)[0]["rows"] == ROWS
