"""Set-based reads and writes: a values_list's rows fetched whole, and one conditional UPDATE for
many rows (each row's values, where each row's key still matches)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models

# Values PostgreSQL's adapter takes as they are, and that Django's preparation returns unchanged
# for columns of these kinds: a batch of thousands of them skips the per-value call.
PLAIN_VALUES = frozenset({Decimal, int, str, bool, type(None)})
PLAIN_COLUMNS = frozenset(
    {"DecimalField", "IntegerField", "PositiveIntegerField", "BigIntegerField", "BigAutoField", "AutoField"}
    | {"CharField", "TextField", "BooleanField", "DateTimeField", "ForeignKey"}
)


def fetched_rows(queryset: models.QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset, fetched in one go as the database adapter gives them
    when no column needs Django's conversion (on PostgreSQL: ints, decimals, strings, booleans),
    rather than a hundred at a time through Django's per-row iterators; otherwise `list(queryset)`."""
    query = queryset.query
    if query.annotation_select or query.extra_select:
        return list(queryset)  # Django reorders such columns itself
    compiler = query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    if compiler.get_converters([column for column, _, _ in compiler.select[: compiler.col_count]]):
        return list(queryset)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def prepared(fields: list[models.Field], rows: list[list]) -> list[list]:
    """Each field's values down the rows (one list per field), as the database takes them."""
    columns = []
    for field, column in zip(fields, zip(*rows, strict=True), strict=True):
        plain = connection.vendor == "postgresql" and field.get_internal_type() in PLAIN_COLUMNS
        kinds = set(map(type, column))
        # A naive datetime is made aware by Django's preparation (with a warning).
        if plain and (
            kinds <= PLAIN_VALUES
            or (
                kinds <= PLAIN_VALUES | {datetime}
                and all(v.tzinfo is not None for v in column if type(v) is datetime)
            )
        ):
            columns.append(list(column))
        else:
            columns.append([field.get_db_prep_save(v, connection) for v in column])
    return columns


def update_where(
    model: type[models.Model],
    fields: Sequence[str],
    keys: Sequence[str],
    rows: list[list],
    *,
    same: dict[str, object] | None = None,
) -> int:
    """Set `fields` to each row's first values, and the fields in `same` to one value for every
    row, where `keys` equal the row's last values; returns the rows updated. On PostgreSQL one
    statement over arrays (unnest), elsewhere one statement per row.

    The key lets a writer lose a race cleanly: a row changed since it was read keeps its change.
    """
    if not rows:
        return 0
    same = same or {}
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    targets = [meta.get_field(name) for name in (*fields, *keys)]
    values = prepared(targets, rows)
    shared = [meta.get_field(name) for name in same]
    shared_values = [column[0] for column in prepared(shared, [list(same.values())])]
    columns = [quote(f.column) for f in targets]
    set_columns, key_columns = columns[: len(fields)], columns[len(fields) :]
    shared_assignments = [f"{quote(f.column)} = %s" for f in shared]
    if connection.vendor != "postgresql":
        assignments = ", ".join([*(f"{c} = %s" for c in set_columns), *shared_assignments])
        matches = " AND ".join(f"{c} = %s" for c in key_columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {matches}",
                [
                    [*row[: len(fields)], *shared_values, *row[len(fields) :]]
                    for row in zip(*values, strict=True)
                ],
            )
            return cursor.rowcount
    names = [f"c{index}" for index in range(len(targets))]
    # A column of numbers goes as one array literal (number_array), which PostgreSQL parses and
    # casts to the column's type. Any other column goes as a binary array (%b), which psycopg
    # writes without quoting and escaping every value as text.
    literal = [number_array(column) for column in values]
    arrays = ", ".join(
        f"%s::text::{f.cast_db_type(connection)}[]"
        if text is not None
        else f"%b::{f.cast_db_type(connection)}[]"
        for f, text in zip(targets, literal, strict=True)
    )
    assignments = ", ".join(
        [*(f"{c} = v.{n}" for c, n in zip(set_columns, names, strict=False)), *shared_assignments]
    )
    matches = " AND ".join(
        f"{table}.{c} = v.{n}" for c, n in zip(key_columns, names[len(fields) :], strict=True)
    )
    query = f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) WHERE {matches}"
    column_values = [column if text is None else text for column, text in zip(values, literal, strict=True)]
    params = [*shared_values, *column_values]
    # Django's cursors bind parameters on the client, as text; this one binds them on the server,
    # wrapped as Django wraps its own (errors, query logging).
    connection.ensure_connection()
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(psycopg.Cursor(connection.connection)) as cursor:
        cursor.execute(query, params)
        return cursor.rowcount


NUMBERS = frozenset({Decimal, int, type(None)})


def number_array(column: list) -> str | None:
    """A column of Decimals and ints (None for NULL) as PostgreSQL's array literal, '{1.50,NULL,2}';
    None for any other column. Joining their text is one C-level pass, where psycopg would dump
    them one by one in Python; a number's text has no comma, brace, quote or space to escape."""
    if not set(map(type, column)) <= NUMBERS:  # a bool is no number here: its text is True
        return None
    return "{" + ",".join("NULL" if value is None else str(value) for value in column) + "}"
