"""Batched row writes for the catch-up path, without building model instances.

Catching up on a peer's log inserts tens of thousands of rows a second; Django's
``bulk_create`` spends most of that time instantiating models and compiling each value.
Here each table's statement is built once, and each value goes through its field's own
``get_db_prep_save`` only when its type needs converting (dates, decimals, uids, JSON), so
what is stored is exactly what the ORM would store. PostgreSQL gets the rows through one
``COPY ... FROM STDIN`` a table and batch (its row triggers fire as for INSERT); SQLite,
whose inserts run in-process, through one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

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
        connection = connections[DEFAULT_DB_ALIAS]
        self.fields = [model._meta.get_field(name) for name in names]
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in self.fields)  # type: ignore[union-attr]
        placeholders = ", ".join(["%s"] * len(self.fields))
        table = connection.ops.quote_name(model._meta.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the models
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        # The connection is looked up once: through the ``connection`` proxy each value's
        # conversion would pay a thread-local lookup.
        connection = connections[DEFAULT_DB_ALIAS]
        adapters = [_adapter(f, connection) for f in self.fields]
        adapted = [
            tuple(v if a is None or v is None else a(v) for a, v in zip(adapters, row, strict=True))
            for row in rows
        ]
        if not adapted:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in adapted:
                        copy.write_row(row)
            else:
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


def _adapter(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    if isinstance(field, PLAIN) and not isinstance(field, models.JSONField):
        return None
    if isinstance(field, models.DecimalField):
        # What the field's conversion returns for a finite Decimal on every backend: itself.
        return lambda value: (
            value
            if type(value) is Decimal and value.is_finite()
            else field.get_db_prep_save(value, connection)
        )
    if isinstance(field, models.UUIDField):  # unique values: nothing to share
        return lambda value: field.get_db_prep_save(value, connection)
    return _memo(lambda value: field.get_db_prep_save(value, connection))


@cache
def table(model: type[models.Model], names: tuple[str, ...]) -> Table:
    """The ``Table`` for these columns (built once per process and database vendor)."""
    return Table(model, names)
