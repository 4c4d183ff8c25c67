"""The `bureau` console command, run as a real process against its own SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BUREAU = str(Path(sys.executable).with_name("bureau"))


def run(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "BUREAU_ADMIN_EMAIL", "BUREAU_ADMIN_PASSWORD")
    }
    environment.update({"BUREAU_HOME": str(home), **(env or {})})
    return subprocess.run(
        [BUREAU, *args], env=environment, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_init_takes_the_first_admin_from_the_environment_without_prompting(home):
    env = {
        "BUREAU_ADMIN_EMAIL": "root@node.example",
        "BUREAU_ADMIN_PASSWORD": "a-very-long-password",
    }
    first = run(home, "init", "--no-input", env=env)
    assert first.returncode == 0, first.stderr
    assert (
        "6939 HS codes" in first.stdout
        and "Created the node admin root@node.example" in first.stdout
    )
    assert (home / "bureau.sqlite3").exists()
    assert oct((home / "secret_key").stat().st_mode & 0o777) == "0o600"
    again = run(home, "init", "--no-input", env=env)
    assert again.returncode == 0 and "Created" not in again.stdout


def test_init_without_a_password_fails_clearly(home):
    result = run(home, "init", "--no-input", env={"BUREAU_ADMIN_EMAIL": "root@node.example"})
    assert result.returncode != 0
    assert "BUREAU_ADMIN_PASSWORD" in result.stderr


def test_token_create_prints_a_token_that_authenticates(home):
    env = {
        "BUREAU_ADMIN_EMAIL": "root@node.example",
        "BUREAU_ADMIN_PASSWORD": "a-very-long-password",
    }
    assert run(home, "init", "--no-input", env=env).returncode == 0
    created = run(home, "token", "create", "root@node.example")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    check = run(
        home,
        "shell",
        "-c",
        f"from bureau.accounts.services import token_authenticate; print(token_authenticate('{token}').email)",
    )
    assert check.stdout.strip().endswith("root@node.example")
    unknown = run(home, "token", "create", "nobody@node.example")
    assert unknown.returncode != 0 and "no active user" in unknown.stderr
