"""The shipped network, and importing a corrected one: all or nothing, row by row."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bureau.freight import network as net
from bureau.freight import selectors
from bureau.freight.models import NetworkVersion

BUREAU = Path(sys.executable).parent / "bureau"


def test_every_figure_of_the_shipped_network_says_where_it_comes_from() -> None:
    network = net.parse(selectors.shipped_document())
    assert len(network.nodes) == 40 and len(network.legs) > 60
    for leg in network.legs:
        for figure in leg.figures.values():
            assert figure.sources or figure.method or figure.assumption
            if figure.basis == "computed":
                assert network.methods[figure.method]
    sea = [leg for leg in network.legs if leg.mode == "sea"]
    assert sea and all(leg.figures["distance_km"].method == "searoute-1.6.0" for leg in sea)
    assert "searoute 1.6.0" in network.methods["searoute-1.6.0"]
    # A figure nobody published and nobody can defend estimating stays missing.
    assert not any("usd_per_teu" in leg.figures for leg in sea)
    assert {f.mode: f.sources for f in network.emission_factors.values()}["ferry"] == ("E5",)


def _bad(document: dict[str, Any], change: Any) -> list[tuple[str, int, str, str]]:
    broken = copy.deepcopy(document)
    change(broken)
    with pytest.raises(net.NetworkInvalid) as raised:
        net.parse(broken)
    return raised.value.errors


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["legs"][2].update({"to": "XXNOWHERE"}),
            ("legs", 3, "to", "unknown node XXNOWHERE"),
        ),
        (
            lambda d: d["legs"][0]["distance_km"].update({"value": -5}),
            ("legs", 1, "distance_km", "must not be negative"),
        ),
        (
            lambda d: d["legs"][0].update({"to": d["legs"][0]["from"]}),
            ("legs", 1, "to", "a leg must not end where it starts (a loop)"),
        ),
        (
            lambda d: d["legs"][4].update({"mode": "air"}),
            ("legs", 5, "mode", "must be one of sea, rail, road, ferry"),
        ),
        (lambda d: d["nodes"][1].update({"lat": 123}), ("nodes", 2, "lat", "must be at most 90")),
        (
            lambda d: d["legs"][0]["distance_km"].update({"sources": ["S999"]}),
            ("legs", 1, "distance_km", "unknown source S999"),
        ),
        (
            lambda d: d["legs"][1].update({"id": d["legs"][0]["id"]}),
            ("legs", 2, "id", f"{'PK-ROAD-KHI-UET'} is listed twice"),
        ),
    ],
)
def test_a_bad_row_is_named_by_its_number(change: Any, expected: tuple[str, int, str, str]) -> None:
    assert expected in _bad(selectors.shipped_document(), change)


@pytest.mark.django_db
def test_import_is_all_or_nothing_and_replaces_the_network(tmp_path: Path, capsys: Any) -> None:
    document = selectors.shipped_document()
    broken = copy.deepcopy(document)
    broken["legs"][3]["from"] = "XXNOWHERE"
    broken["legs"][7]["hours"] = {"value": -1, "basis": "estimated", "assumption": "x"}
    path = tmp_path / "network.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(CommandError, match="nothing was imported: 2 error"):
        call_command("freight", "import", str(path))
    err = capsys.readouterr().err
    assert (
        "legs row 4: from: unknown node XXNOWHERE" in err
        and "legs row 8: hours: must not be negative" in err
    )
    assert not NetworkVersion.objects.exists()
    corrected = copy.deepcopy(document)
    corrected["legs"][0]["distance_km"] = {"value": 690, "basis": "published", "sources": ["S41"]}
    path.write_text(json.dumps(corrected))
    call_command("freight", "import", str(path))
    assert selectors.current_network().legs[0].figures["distance_km"].value == 690
    call_command("freight", "import", str(path))  # the same file again stores nothing new
    assert NetworkVersion.objects.count() == 1


@pytest.mark.django_db
def test_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "network.json"
    path.write_text("{nope")
    with pytest.raises(CommandError, match="not a JSON document"):
        call_command("freight", "import", str(path))


def test_bureau_route_prints_legs_and_sources_and_json(tmp_path: Path) -> None:
    # Its own SQLite database in a folder of its own, whichever database the suite runs on.
    env = {
        "BUREAU_HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run([str(BUREAU), "migrate", "-v0"], env=env, check=True, timeout=120)
    text = subprocess.run([str(BUREAU), "route", "Karachi", "Baku", "--mode", "road"], env=env,
                          capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    assert "Taftan" in text and "Astara (Azerbaijan)" in text and "[published (S41)]" in text
    assert "cost unknown" in text
    out = subprocess.run([str(BUREAU), "route", "PKKHI", "AZBAK", "--avoid", "IR", "--json"], env=env,
                         capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    data = json.loads(out)
    assert data["routes"] and all("IR" not in r["countries"] for r in data["routes"])
    bad = subprocess.run(
        [str(BUREAU), "route", "PKKHI", "PKKHI"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "to: is the same place as the origin" in bad.stderr
