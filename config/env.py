"""Every environment variable the bureau reads, declared once with its help text.

The README's configuration table is checked against this registry by a test, so a setting
cannot be added without being documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvSetting:
    name: str
    default: str
    help: str


SETTINGS: dict[str, EnvSetting] = {}


def declare(name: str, default: str, help: str) -> str:
    """Register a setting and return its value from the environment (or the default)."""
    SETTINGS[name] = EnvSetting(name, default, help)
    return os.environ.get(name, default)


def as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def as_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
