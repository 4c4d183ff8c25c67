"""The documentation keeps up with the code: every setting is in the README's table."""

import csv
import io
import re
import tomllib
from pathlib import Path

import django.conf
import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import CommandParser

from bureau.web.management.commands.demo import Command as DemoCommand
from config.env import SETTINGS
from tests.samples import lead_data

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_is_documented_in_the_readme():
    assert django.conf.settings.configured
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in SETTINGS if f"| `{name}` |" not in readme]
    assert SETTINGS and missing == []


def test_the_readme_starts_with_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    head = readme[: readme.index("## ")]
    assert "make run" in head and "make test" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_command_table_shows_every_option_of_bureau_demo_and_the_python_it_needs():
    readme = (ROOT / "README.md").read_text()
    rows = " ".join(line for line in readme.splitlines() if line.startswith("| `bureau demo"))
    parser = CommandParser(add_help=False)
    DemoCommand().add_arguments(parser)  # the command's own options, not Django's common ones
    options = {o for action in parser._actions for o in action.option_strings}
    assert {"--host", "--port", "--node", "--pair"} <= options
    assert sorted(o for o in options if f"{o}" not in rows) == []
    assert "islamabad\\|baku" in rows  # the node choices, as the table escapes the bar
    with open(ROOT / "pyproject.toml", "rb") as handle:
        requires = tomllib.load(handle)["project"]["requires-python"]
    assert requires == ">=3.11,<3.12" and "Python 3.11 is required" in readme


def _example_block(text: str, after: str) -> list[str]:
    """The lines of the first ```text block that follows ``after``."""
    start = text.index("```text", text.index(after)) + len("```text\n")
    return text[start : text.index("```", start)].rstrip("\n").splitlines()


@pytest.mark.django_db
def test_the_import_guide_shows_what_the_import_really_prints(company, tmp_path: Path):
    """docs/import.md's example report is the command's output for the file it describes."""
    shown = _example_block((ROOT / "docs" / "import.md").read_text(), "every error, one per line")
    code = re.search(r"hs_code: '(\d+)'", "\n".join(shown))
    assert code is not None
    rows = [
        lead_data(),
        lead_data(title="Rice, wrong subheading", hs_code=code.group(1)),
        lead_data(title="Rice, value without currency", value_currency=""),
    ]
    path = tmp_path / "items.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: ";".join(v) if isinstance(v, list) else v for k, v in r.items()}
                         for r in rows)  # fmt: skip
    printed = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import", "items", str(path), "--organisation", company.slug,
            stdout=printed, stderr=io.StringIO(), verbosity=0,
        )  # fmt: skip
    assert [*printed.getvalue().splitlines(), f"CommandError: {refused.value}"] == shown
