"""The package builds with pinned tools and without a deprecation notice from them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)


def test_build_requirements_are_pinned_and_the_licence_is_an_spdx_expression():
    project = _pyproject()
    requires = project["build-system"]["requires"]
    assert {re.split(r"[=<>!~ ]", r)[0] for r in requires} == {"setuptools", "wheel"}
    assert all(re.fullmatch(r"[a-z]+==\d+(\.\d+)+", r) for r in requires), requires
    assert project["project"]["license"] == "MIT"
    assert project["project"]["requires-python"].startswith(">=3.11")


def _source_tree(target: Path) -> Path:
    """The checkout's files (tracked and new, not ignored) copied to ``target``: building
    there leaves no build folder in the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())
    return target


def test_the_wheel_builds_with_the_pinned_tools_and_no_deprecation_warning(tmp_path: Path):
    source = _source_tree(tmp_path / "source")
    # pip builds in an isolated environment with exactly the pinned build requirements, and
    # -v shows what the build backend printed (where setuptools announces deprecations).
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "deprecat" not in output.lower(), output[-3000:]
    (wheel,) = tmp_path.glob("bureau-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
        names = set(archive.namelist())
    assert "License-Expression: MIT" in metadata
    # An installed bureau speaks Azerbaijani and Urdu without gettext tools on the machine.
    for language in ("az", "ur"):
        assert f"bureau/locale/{language}/LC_MESSAGES/django.mo" in names
