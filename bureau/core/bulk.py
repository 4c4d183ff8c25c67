"""Batched row writes for bulk paths (catch-up, the outbox), without building model instances.

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
        key = value
        if type(value) is list:  # a JSON list of codes: batches repeat them too
            key = (list, *value)
        try:
            return seen[key]
        except KeyError:
            seen[key] = converted = adapter(value)
            return converted
        except TypeError:  # unhashable (a list of objects)
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


def new_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys, ascending, for ``count`` rows the caller is about to insert in its
    transaction: the rows are written with their ids, and nothing has to be read back.

    PostgreSQL: drawn from the column's own sequence, as a default would. SQLite: after the
    largest id ever used (the table and ``sqlite_sequence``, which AUTOINCREMENT keeps); the
    transaction holds the database's write lock from its start (``BEGIN IMMEDIATE``), so no
    other writer can take them before the rows are in."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        raise RuntimeError("new_ids is for rows inserted in the same transaction")
    table, column = model._meta.db_table, str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        quoted = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(column)}"
        cursor.execute(
            f"SELECT max(coalesce((SELECT max({quoted}) FROM {connection.ops.quote_name(table)}), 0),"  # noqa: S608 - names from the model
            " coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
    return list(range(last + 1, last + 1 + count))
