"""Fixtures of the trade tests: the public data sets, and a trade store of the test's own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest


def _shared_data() -> Path:
    """The workplace's public data sets: BUREAU_TEST_DATA, or ../shared/data beside the repo."""
    repo = Path(__file__).resolve().parents[3]
    candidates = [
        os.environ.get("BUREAU_TEST_DATA", ""),
        str(repo.parent / "shared" / "data"),
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "wits-trade-summary").is_dir():
            return Path(candidate)
    raise RuntimeError("the public data sets are missing: set BUREAU_TEST_DATA to shared/data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _shared_data()


@pytest.fixture(autouse=True)
def trade_dir(tmp_path: Path, settings: Any) -> Path:
    """Every trade test starts from an empty store of its own."""
    settings.BUREAU_TRADE_DIR = tmp_path / "trade"
    return Path(settings.BUREAU_TRADE_DIR)
