"""``bureau trade``: import, progress, datasets and remove, in process and as the real program."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bureau.trade import store
from bureau.trade.importing.run import MAX_ERRORS

TARGET_USD = 2e9
TARGET_YEAR = 2030
PRESS = "aze-pak-trade-press-figures/aze_pak_trade_press_figures.csv"
HEADER = ["period", "reporter", "partner", "flow", "value", "unit", "source", "source_url"]


@pytest.fixture(autouse=True)
def _target(settings: Any) -> None:
    """The target the expected figures below are computed for, whatever the environment says."""
    settings.BUREAU_TRADE_TARGET_USD = TARGET_USD
    settings.BUREAU_TRADE_TARGET_YEAR = TARGET_YEAR
    settings.BUREAU_COUNTRY_PAIR = ["AZ", "PK"]


def trade(*args: str, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("trade", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def import_figures(path: Path, *more: str) -> str:
    return trade("import", str(path), "--format", "figures", *more)[0]


def figures_csv(path: Path, turnover: dict[str, str]) -> Path:
    """A file in the simple figures layout: Azerbaijan's turnover with Pakistan per period."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for period, value in turnover.items():
            writer.writerow(
                [period, "AZE", "PAK", "turnover", value, "USD million", "Customs", "https://x.az"]
            )
    return path


def yearly_turnover(press: Path) -> dict[int, float]:
    """The calendar-year turnover rows of the press-figures file, in US$."""
    with press.open(encoding="utf-8") as handle:
        return {
            int(row["period"]): float(row["turnover_usd_m"]) * 1e6
            for row in csv.DictReader(handle)
            if row["period_type"] == "calendar_year"
        }


def only_dataset() -> store.Dataset:
    [dataset] = store.datasets()
    return dataset


def stored_files(trade_dir: Path) -> list[str]:
    return sorted(p.name for p in (trade_dir / "datasets").iterdir())


# --- import ---------------------------------------------------------------------------------


def test_import_prints_a_summary_and_a_second_import_changes_nothing(shared_data):
    press = shared_data / PRESS
    out = import_figures(press)
    dataset = only_dataset()
    assert dataset.rows > 0 and dataset.format == "figures"
    assert out.splitlines() == [
        f"{press.name}: {dataset.rows} row(s) imported as dataset {dataset.id}.",
        f"Years: {dataset.years}; reporters: AZE, PAK.",
        *(f"Note: {note}" for note in dataset.notes),
    ]
    assert dataset.notes  # the file's range statements without a figure are reported

    again = import_figures(press)
    assert again == f"{press.name}: already imported as dataset {dataset.id}: nothing changed.\n"
    assert store.datasets() == [dataset]


def test_source_options_and_a_new_edition_replace_the_earlier_one(tmp_path):
    path = figures_csv(tmp_path / "turnover.csv", {"2022": "28.1"})
    import_figures(path)
    first = only_dataset()
    figures_csv(path, {"2022": "28.1", "2023": "27"})
    out = import_figures(path, "--source", "State Customs")
    second = only_dataset()
    assert second.id != first.id and second.years == "2022-2023"
    assert f"It replaced earlier edition {first.id}." in out.splitlines()
    assert (second.source, second.imported_by) == ("State Customs", "")


def test_a_bad_country_code_fails_the_import_and_leaves_the_store_as_it_was(tmp_path, trade_dir):
    good = figures_csv(tmp_path / "good.csv", {"2022": "28.1"})
    import_figures(good)
    before, files = store.datasets(), stored_files(trade_dir)

    bad = figures_csv(tmp_path / "bad.csv", {"2021": "11.7", "2022": "28.1", "2023": "27"})
    bad.write_text(bad.read_text().replace("2022,AZE,PAK", "2022,XXQ,PAK"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("trade", "import", str(bad), "--format", "figures", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "bad.csv: 3 row(s) read, nothing imported."
    # The header is row 1, so 2022 (the second data row) is row 3.
    errors = [line.strip() for line in lines if line.startswith("  ")]
    assert errors and all(line.startswith("row 3, ") for line in errors)
    assert any("'XXQ'" in line and "country code" in line for line in errors)
    assert "in all" not in out.getvalue()
    assert store.datasets() == before and stored_files(trade_dir) == files


def test_more_bad_rows_than_are_listed_are_counted(tmp_path):
    bad_rows = MAX_ERRORS + 20
    months = {f"{2000 + n // 12}-{n % 12 + 1:02d}": f"lots{n}" for n in range(bad_rows)}
    path = figures_csv(tmp_path / "bad.csv", months)
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("trade", "import", str(path), "--format", "figures", stdout=out)
    listed = [line for line in out.getvalue().splitlines() if line.startswith("  row ")]
    assert len(listed) == MAX_ERRORS
    assert f"{bad_rows} bad row(s) in all" in out.getvalue()
    assert store.datasets() == []


def test_wrong_format_missing_file_and_unknown_format_are_clear_errors(shared_data, tmp_path):
    with pytest.raises(CommandError, match="not a BACI file: column"):
        trade("import", str(shared_data / PRESS), "--format", "baci")
    with pytest.raises(CommandError, match="no such file"):
        import_figures(tmp_path / "missing.csv")
    with pytest.raises(CommandError, match="invalid choice: 'xlsx'"):
        trade("import", str(shared_data / PRESS), "--format", "xlsx")
    assert store.datasets() == []


def test_only_active_staff_may_be_named_as_the_importer(
    staff_az, admin_user, member, tmp_path, django_user_model
):
    path = figures_csv(tmp_path / "turnover.csv", {"2022": "28.1"})
    with pytest.raises(
        CommandError, match=re.escape(f"{member.email} cannot import trade statistics")
    ):
        import_figures(path, "--as", member.email)
    with pytest.raises(
        CommandError, match=re.escape("no active user with email nobody@example.org")
    ):
        import_figures(path, "--as", "nobody@example.org")
    django_user_model.objects.filter(pk=admin_user.pk).update(is_active=False)
    with pytest.raises(CommandError, match="no active user"):
        import_figures(path, "--as", admin_user.email)
    assert store.datasets() == []

    import_figures(path, "--as", staff_az.email.upper())
    assert only_dataset().imported_by == staff_az.email


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as an interactive stderr does."""

    def isatty(self) -> bool:
        return True


def test_the_stages_show_on_a_terminal_unless_quiet(tmp_path):
    path = figures_csv(tmp_path / "turnover.csv", {"2022": "28.1"})
    err = Terminal()
    call_command(
        "trade", "import", str(path), "--format", "figures", stdout=io.StringIO(), stderr=err
    )
    shown = err.getvalue()
    assert "reading" in shown and "storing" in shown and "3/3" in shown

    quiet = Terminal()
    figures_csv(path, {"2023": "27"})
    args = ["trade", "import", str(path), "--format", "figures"]
    call_command(*args, verbosity=0, stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


# --- progress -------------------------------------------------------------------------------


def expected_trend(series: dict[int, float]) -> tuple[float, int]:
    """Annual growth and the first year at the target, from a least-squares fit of ln(value)."""
    years = sorted(series)
    slope, intercept = statistics.linear_regression(years, [math.log(series[y]) for y in years])
    return math.exp(slope) - 1, math.ceil((math.log(TARGET_USD) - intercept) / slope)


@pytest.mark.django_db
def test_progress_shows_target_latest_required_growth_trend_and_every_year(shared_data):
    press = shared_data / PRESS
    import_figures(press)
    series = yearly_turnover(press)
    latest_year = max(series)
    required = (TARGET_USD / series[latest_year]) ** (1 / (TARGET_YEAR - latest_year)) - 1
    growth, reaches = expected_trend(series)

    lines = trade("progress")[0].splitlines()
    assert lines[0] == (
        f"Target: US$ 2,000 million a year by {TARGET_YEAR} (Azerbaijan-Pakistan trade turnover)."
    )
    assert lines[1].startswith(f"Latest actual: {latest_year}, US$ 27.00 million (AzerNews")
    assert lines[2] == f"Required growth: {required:.1%} a year from {latest_year}."
    assert lines[3].startswith(f"Trend growth: {growth:.1%} a year (fit over {len(series)} years)")
    assert lines[3].endswith(f"reaches the target in {reaches}.")
    table = lines[lines.index("") + 1 :]
    header = ["year", "actual (US$ m)", "gap to target", "trend", "source"]
    assert re.split(r"\s{2,}", table[0]) == header
    for row, year in zip(table[1:], sorted(series), strict=True):
        cells = row.split()
        gap = (TARGET_USD - series[year]) / 1e6
        assert cells[:3] == [str(year), f"{series[year] / 1e6:,.2f}", f"{gap:,.2f}"]


@pytest.mark.django_db
def test_progress_as_json_for_another_target_year(shared_data):
    press = shared_data / PRESS
    import_figures(press)
    series = yearly_turnover(press)
    growth, reaches = expected_trend(series)

    figures = json.loads(trade("progress", "--json", "--target-year", "2028")[0])
    assert (figures["target_usd"], figures["target_year"]) == (TARGET_USD, 2028)
    assert (figures["latest_year"], figures["latest_usd"]) == (2023, series[2023])
    assert figures["latest_source"]["source_url"].startswith("https://")
    assert figures["required_annual_growth"] == pytest.approx(
        (TARGET_USD / series[2023]) ** (1 / (2028 - 2023)) - 1
    )
    assert figures["trend"]["annual_growth"] == pytest.approx(growth)
    assert figures["trend"]["reaches_target_in"] == reaches
    assert [(y["year"], y["value_usd"], y["gap_usd"]) for y in figures["years"]] == [
        (year, value, TARGET_USD - value) for year, value in sorted(series.items())
    ]
    assert all(y["trend_usd"] > 0 and y["source"]["source"] for y in figures["years"])


@pytest.mark.django_db
def test_a_falling_trend_never_reaches_the_target(tmp_path):
    import_figures(figures_csv(tmp_path / "f.csv", {"2021": "50", "2022": "40", "2023": "30"}))
    out, _ = trade("progress")
    assert "never at the current trend" in out
    figures = json.loads(trade("progress", "--json")[0])
    assert figures["trend"]["annual_growth"] < 0
    assert figures["trend"]["reaches_target_in"] is None and figures["on_track"] is False


@pytest.mark.django_db
def test_progress_without_figures_says_to_import_them():
    out, _ = trade("progress")
    assert "import figures first" in out and "bureau trade import" in out
    figures = json.loads(trade("progress", "--json")[0])
    assert figures["latest_year"] is None and figures["years"] == []
    assert figures["required_annual_growth"] is None
    assert figures["target_year"] == TARGET_YEAR


@pytest.mark.django_db
def test_the_command_and_the_api_give_one_progress_document(shared_data, client):
    """`bureau trade progress --json` prints what GET /api/v1/trade/progress answers, and the
    OpenAPI document describes every field of it."""
    import_figures(shared_data / PRESS)
    printed = json.loads(trade("progress", "--json", "--target-year", "2029")[0])
    answered = client.get("/api/v1/trade/progress", {"target_year": 2029}).json()
    assert printed == answered
    assert isinstance(printed["trend"]["reaches_target_in"], int)
    schema = client.get("/api/v1/openapi.json").json()
    progress = schema["paths"]["/api/v1/trade/progress"]["get"]["responses"]["200"]
    name = progress["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    documented = schema["components"]["schemas"][name]["properties"]
    assert set(documented) == set(printed)
    trend = schema["components"]["schemas"]["TrendOut"]["properties"]
    assert set(trend) == set(printed["trend"]) and trend["reaches_target_in"]["description"]


# --- datasets and remove --------------------------------------------------------------------


def test_datasets_are_listed_and_removed(shared_data, tmp_path, trade_dir):
    assert "No trade datasets yet" in trade("datasets")[0]
    import_figures(shared_data / PRESS)
    import_figures(figures_csv(tmp_path / "mine.csv", {"2022": "28.1"}))
    press, mine = store.datasets()

    lines = trade("datasets")[0].splitlines()
    assert lines[0].split() == ["id", "format", "file", "rows", "years", "source", "imported", "at"]
    for line, dataset in zip(lines[1:], (press, mine), strict=True):
        assert line.split()[:5] == [
            dataset.id,
            "figures",
            dataset.file_name,
            str(dataset.rows),
            dataset.years,
        ]
        assert dataset.source in line and line.endswith(dataset.imported_at)

    out, _ = trade("remove", press.id)
    assert out == f"Removed dataset {press.id} ({press.file_name}, {press.rows} row(s)).\n"
    assert store.datasets() == [mine] and stored_files(trade_dir) == [f"{mine.id}.parquet"]
    with pytest.raises(CommandError, match=f"no trade dataset {press.id}"):
        trade("remove", press.id)


# --- the installed program ------------------------------------------------------------------


def run_bureau(tmp_path: Path, *args: str, target_year: int) -> subprocess.CompletedProcess[str]:
    """The installed ``bureau`` program with a home, database and trade store of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUREAU_", "DATABASE_URL"))}
    env.update(
        BUREAU_HOME=str(tmp_path / "home"),
        BUREAU_TRADE_DIR=str(tmp_path / "store"),
        BUREAU_TRADE_TARGET_USD=str(int(TARGET_USD)),
        BUREAU_TRADE_TARGET_YEAR=str(target_year),
        BUREAU_COUNTRY_PAIR="AZ,PK",
    )
    program = Path(sys.executable).parent / "bureau"
    return subprocess.run(
        [str(program), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_bureau_program_imports_the_press_figures_and_reports_progress(shared_data, tmp_path):
    target_year = 2030
    press = shared_data / PRESS
    assert run_bureau(tmp_path, "init", "--no-input", target_year=target_year).returncode == 0
    command = ["trade", "import", str(press), "--format", "figures"]
    imported = run_bureau(tmp_path, *command, target_year=target_year)
    assert imported.returncode == 0, imported.stderr
    assert "row(s) imported as dataset" in imported.stdout
    assert list((tmp_path / "store" / "datasets").glob("*.parquet"))

    shown = run_bureau(tmp_path, "trade", "progress", "--json", target_year=target_year)
    assert shown.returncode == 0, shown.stderr
    figures = json.loads(shown.stdout)
    assert figures["target_year"] == target_year
    assert (figures["latest_year"], figures["latest_usd"]) == (2023, 27_000_000)
    assert figures["required_annual_growth"] == pytest.approx(
        (2e9 / 27e6) ** (1 / (target_year - 2023)) - 1
    )

    bad = run_bureau(tmp_path, "trade", "remove", "nonesuch", target_year=target_year)
    assert bad.returncode != 0 and "no trade dataset nonesuch" in bad.stderr
