"""The demo's extension point: each app that shows something in the demo registers a part.

A part is a function that loads that app's demo content for one node (by node name), from
cited facts, adding only what is missing, and returns a one-line summary for the console.
Apps register their part in their ``AppConfig.ready()``; ``bureau demo`` runs every part after
the catalog's organisations, items and accounts are loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.module_loading import import_string

Part = Callable[[str], str]

_parts: dict[str, Part | str] = {}


def register(name: str, load: Part | str) -> None:
    """Run ``load(node_name)`` when the demo is loaded; ``name`` labels it in messages. ``load``
    may be the dotted path of the function: its module is then imported only for the demo,
    not at every start of every process (the trade demo's brought in openpyxl and DuckDB)."""
    _parts[name] = load


def load_all(node: str) -> list[tuple[str, str]]:
    """Run every registered part for ``node``, in registration order; (name, summary) pairs."""
    return [(name, _function(load)(node)) for name, load in _parts.items()]


def _function(load: Part | str) -> Part:
    found: Part = import_string(load) if isinstance(load, str) else load
    return found
