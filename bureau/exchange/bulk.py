"""Plain multi-row INSERTs for the catch-up path, without building model instances.

Catching up on a peer's log inserts tens of thousands of rows a second; Django's
``bulk_create`` spends most of that time instantiating models and compiling each value.
Here each table's statement is built once, and each value goes through its field's own
``get_db_prep_save`` only when its type needs converting (dates, decimals, uids, JSON), so
what is stored is exactly what the ORM would store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any

from django.db import connection, models

PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


class Table:
    """INSERT rows into ``model``'s table; each row a tuple in the order of ``names``."""

    def __init__(self, model: type[models.Model], names: Sequence[str]) -> None:
        fields = [model._meta.get_field(name) for name in names]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)  # type: ignore[union-attr]
        placeholders = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the models
        self.adapters = [_adapter(f) for f in fields]

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        adapters = [None if a is None else _memo(a) for a in self.adapters]
        adapted = [
            tuple(v if a is None or v is None else a(v) for a, v in zip(adapters, row, strict=True))
            for row in rows
        ]
        if adapted:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, adapted)


def _memo(adapter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Convert each distinct value once per insert: a batch shares its times and its dates."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = adapter(value)
            return converted
        except TypeError:  # unhashable (a JSON list)
            return adapter(value)

    return convert


def _adapter(field: Any) -> Callable[[Any], Any] | None:
    if isinstance(field, PLAIN) and not isinstance(field, models.JSONField):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


@cache
def table(model: type[models.Model], names: tuple[str, ...]) -> Table:
    """The ``Table`` for these columns (built once per process and database vendor)."""
    return Table(model, names)
