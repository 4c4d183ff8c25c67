"""Batched row writes for bulk paths (catch-up, the outbox), without building model instances.

Catching up on a peer's log inserts tens of thousands of rows a second; Django's
``bulk_create`` spends most of that time instantiating models and compiling each value.
Here each table's statement is built once, and each value goes through its field's own
``get_db_prep_save`` only when its type needs converting (dates, decimals, uids, JSON), so
what is stored is exactly what the ORM would store. PostgreSQL gets the rows through one
``COPY ... FROM STDIN`` a table and batch (its row triggers fire as for INSERT); SQLite
through multi-row ``INSERT ... VALUES`` statements of up to ``SQLITE_ROWS`` rows. Not one
statement a row (``executemany``): a table with triggers (the item's full-text and search
queue) makes SQLite keep a statement journal, a copy of every page a statement changes, so
that statement could be undone alone; a statement a row copied each page again for every row.
"""

from __future__ import annotations

import itertools
import sqlite3
import uuid
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
SQLITE_ROWS = 1000  # rows a statement at most; fewer when the columns would exceed the limit


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
        self._full: tuple[int, str] = (0, "")  # the statement of a full chunk, built once

    def insert(self, rows: Iterable[Sequence[Any]]) -> None:
        # The connection is looked up once: through the ``connection`` proxy each value's
        # conversion would pay a thread-local lookup.
        connection = connections[DEFAULT_DB_ALIAS]
        adapted = self._adapted(list(rows), connection)
        if not adapted:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in adapted:
                        copy.write_row(row)
            else:
                self._insert_sqlite(cursor, adapted, connection)

    def _adapted(self, rows: list[Sequence[Any]], connection: Any) -> list[Sequence[Any]]:
        """The rows with each value converted as its field converts it, a column at a time:
        the columns that need no conversion (text, numbers, keys) are not looked at."""
        width = len(self.fields)
        if any(len(row) != width for row in rows):
            raise ValueError(f"a row of {self.sql.split(' (')[0]} has not {width} values")
        adapters = [adapter(f, connection) for f in self.fields]
        if not rows or all(a is None for a in adapters):
            return rows
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for position, convert in enumerate(adapters):
            if convert is not None:
                columns[position] = [v if v is None else convert(v) for v in columns[position]]
        return list(zip(*columns, strict=True))

    def _insert_sqlite(self, cursor: Any, rows: list[Sequence[Any]], connection: Any) -> None:
        step = max(1, min(SQLITE_ROWS, max_parameters(connection) // len(self.fields)))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            sql = self._values_sql(len(chunk), full=len(chunk) == step)
            # The driver's own cursor, with its own ``?`` placeholders: Django's wrapper would
            # rewrite each ``%s`` of a statement of up to 32,766 with a regular expression.
            sqlite3.Cursor.execute(cursor.cursor, sql, list(itertools.chain.from_iterable(chunk)))

    def _values_sql(self, count: int, full: bool) -> str:
        if full and self._full[0] == count:
            return self._full[1]
        head, row = self.sql.split(" VALUES ")
        row = row.replace("%s", "?")
        sql = f"{head} VALUES {', '.join([row] * count)}"
        if full:
            self._full = (count, sql)
        return sql


def max_parameters(connection: Any) -> int:
    """Parameters one statement may bind: SQLite's compiled limit (32,766 since 3.32), else
    PostgreSQL's 65,535."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 65_535


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


def adapter(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    """What turns a value of ``field`` into what the driver is given, as the field's own
    ``get_db_prep_save`` would; None when the value goes as it is (text, numbers, keys)."""
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
        if connection.features.has_native_uuid_field:  # what the field returns for a UUID
            return lambda value: (
                value if type(value) is uuid.UUID else field.get_db_prep_save(value, connection)
            )
        return lambda value: (
            value.hex if type(value) is uuid.UUID else field.get_db_prep_save(value, connection)
        )
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
