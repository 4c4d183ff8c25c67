"""The documentation keeps up with the code: every setting is in the README's table."""

from pathlib import Path

import django.conf

from config.env import SETTINGS

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
