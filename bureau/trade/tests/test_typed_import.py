"""The typed pass of large files (BACI): what it stores, that it reads as the general path
does, that it gives way to the general path for what only that reads, and compressed files."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bureau.core.errors import ValidationFailed
from bureau.trade import store
from bureau.trade.importing import Options, import_file
from bureau.trade.importing.run import STAGED_SUFFIX

# Written as BACI writes it: the typed pass reads every value of it.
CLEAN = """t,i,j,k,v,q
2022,31,586,100630,1234.567,2345.5
2022,586,31,10121,12.5,NA
2022,842,31,847130,300.25,
2023,699,31,300490,55.125,10.0
2023,251,586,220421,7.5,1.25
"""
# The same flows with spaces around values and leading zeros: only the general path reads them.
PADDED = """t,i,j,k,v,q
 2022 ,031,586,100630,1234.567,2345.5
2022,586, 31,10121,12.5,  NA
2022,842,031,847130,300.25,
2023,699,31,300490 ,55.125,10.0
2023,251,586,220421,7.5,1.25
"""
ROW = "SELECT line, year, period, period_kind, flow, exporter, importer, reported_by, product, value_usd, quantity, source, source_url FROM flows WHERE dataset = ? ORDER BY exporter, product"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def file_columns(dataset_id: str) -> list[str]:
    found = duckdb.execute(
        "SELECT name FROM parquet_schema(?) WHERE num_children IS NULL",
        [str(store.dataset_file(dataset_id))],
    ).fetchall()
    return [name for (name,) in found]


def test_the_typed_pass_stores_the_varying_columns_and_keeps_the_constants_once(tmp_path):
    result = import_file(write(tmp_path, "baci.csv", CLEAN), format="baci")
    assert result.errors == [] and result.dataset is not None and result.rows == 5
    dataset = result.dataset
    assert file_columns(dataset.id) == [
        "year", "exporter", "importer", "product", "value_usd", "quantity"
    ]  # fmt: skip
    assert dataset.constants["source"] == "CEPII BACI (baci.csv)"
    assert dataset.constants["flow"] == "trade" and dataset.constants["line"] is None
    assert store.datasets()[0].constants == dataset.constants  # kept in the manifest
    assert store.query(ROW, [dataset.id])[0] == (
        None, 2022, "2022", "year", "trade", "AZE", "PAK", "", "100630",
        pytest.approx(1_234_567), 2345.5, "CEPII BACI (baci.csv)", dataset.source_url,
    )  # fmt: skip
    assert (dataset.first_year, dataset.last_year, dataset.product_level) == (2022, 2023, 6)
    left = [p.name for p in store.dataset_file(dataset.id).parent.iterdir()]
    assert not [name for name in left if name.endswith(".partial")]


def test_the_typed_pass_and_the_general_path_store_the_same_flows(tmp_path):
    source = "CEPII BACI, HS 2022"
    typed = import_file(
        write(tmp_path, "a.csv", CLEAN), format="baci", options=Options(source=source)
    ).dataset
    general = import_file(
        write(tmp_path, "b.csv", PADDED), format="baci", options=Options(source=source)
    ).dataset
    assert typed is not None and general is not None
    assert typed.constants and not general.constants  # PADDED took the general path
    assert len(file_columns(general.id)) == len(store.COLUMNS)
    assert store.query(ROW, [typed.id]) == store.query(ROW, [general.id])
    # Both kinds of file are read together, and a filter on a constant picks the file.
    assert store.query("SELECT count(*) FROM flows") == [(10,)]
    other = import_file(write(tmp_path, "c.csv", CLEAN), format="baci").dataset
    assert other is not None
    assert store.query("SELECT count(*) FROM flows WHERE source = 'CEPII BACI (c.csv)'") == [(5,)]
    assert store.query("SELECT count(*) FROM flows WHERE dataset = ?", [typed.id]) == [(5,)]


def test_the_same_file_stored_meanwhile_by_another_typed_import_is_kept(tmp_path):
    path = write(tmp_path, "baci.csv", CLEAN)

    def meanwhile(stage: str) -> None:
        if stage == "storing":
            inner = import_file(path, format="baci")
            assert inner.errors == [] and inner.dataset is not None and inner.dataset.constants

    result = import_file(path, format="baci", progress=meanwhile)
    assert result.errors == [] and result.dataset is not None
    assert [d.id for d in store.datasets()] == [result.dataset.id]
    assert store.query("SELECT count(*) FROM flows") == [(5,)]


def test_staged_files_of_killed_imports_are_removed_and_running_ones_kept(tmp_path):
    folder = store.trade_dir() / "datasets"
    folder.mkdir(parents=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    killed = folder / f"0123456789abcdef.{dead.stdout.strip()}.00ff00ff{STAGED_SUFFIX}"
    running = folder / f"0123456789abcdef.{os.getpid()}.11ee11ee{STAGED_SUFFIX}"
    for leftover in (killed, running):
        leftover.write_bytes(b"PAR1 half written")
    assert import_file(write(tmp_path, "baci.csv", CLEAN), format="baci").errors == []
    assert not killed.exists() and running.exists()


# --- compressed files ------------------------------------------------------------------------


def test_a_gzip_file_is_read_like_the_plain_one(tmp_path):
    plain = import_file(write(tmp_path / "a", "baci.csv", CLEAN), format="baci").dataset
    packed = tmp_path / "b" / "baci.csv.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(CLEAN.encode()))
    zipped = import_file(packed, format="baci").dataset
    assert plain is not None and zipped is not None and zipped.id != plain.id
    rows = "SELECT exporter, importer, product, value_usd, quantity FROM flows WHERE dataset = ? ORDER BY ALL"
    assert store.query(rows, [zipped.id]) == store.query(rows, [plain.id])


def test_a_plain_file_named_gz_is_read_as_plain(tmp_path):
    result = import_file(write(tmp_path, "baci.csv.gz", CLEAN), format="baci")
    assert result.errors == [] and result.rows == 5


def bomb(path: Path, megabytes: int) -> Path:
    """A gzip file of ``megabytes`` MB of one repeated row: about a thousandth of it on disk."""
    row = b"2022,31,586,100630,1.5,1\n"
    block = row * (1024 * 1024 // len(row) + 1)
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"t,i,j,k,v,q\n")
        for _ in range(megabytes):
            out.write(block[: 1024 * 1024])
    return path


@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb.csv"])
def test_a_gzip_file_that_expands_past_the_cap_is_refused_while_expanding(
    tmp_path: Path, settings: Any, trade_dir: Path, name: str
):
    settings.BUREAU_TRADE_MAX_EXPANDED_MB = 2
    path = bomb(tmp_path / name, 8)
    assert path.stat().st_size < 100_000  # 8 MB in a few kB: what a bomb looks like
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format="baci")
    assert refused.value.errors[0].field == "file"
    assert "expands to more than 2 MB when decompressed" in refused.value.errors[0].message
    assert store.datasets() == [] and not list(trade_dir.rglob("*.parquet"))


def test_a_gzip_file_under_the_cap_is_imported(tmp_path: Path, settings: Any):
    settings.BUREAU_TRADE_MAX_EXPANDED_MB = 2
    packed = tmp_path / "small.csv.gz"
    packed.write_bytes(gzip.compress(CLEAN.encode()))
    assert import_file(packed, format="baci").rows == 5


@pytest.mark.parametrize(
    ("magic", "name"), [(b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"), (b"BZh9", "bzip2")]
)
def test_other_compressions_are_refused_with_what_to_do(tmp_path, magic, name):
    path = tmp_path / "baci.csv"
    path.write_bytes(magic + b"\x00" * 64)
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format="baci")
    assert refused.value.errors[0].message == (
        f"is compressed with {name}: expand it first, or compress it with gzip"
    )


def test_a_broken_gzip_file_is_refused(tmp_path):
    path = tmp_path / "baci.csv.gz"
    path.write_bytes(gzip.compress(CLEAN.encode())[:40])
    with pytest.raises(ValidationFailed) as refused:
        import_file(path, format="baci")
    assert refused.value.errors[0].message.startswith("is not a readable gzip file")
