"""Bulk loading for the generated dataset (PostgreSQL): COPY, id ranges taken from the sequences,
and the removal of every generated row with whatever references it."""

from __future__ import annotations

from django.db import connection
from django.db.models import SET_NULL, Model

from courses.models import (
    TrainingClass,
    TrainingInstitution,
    User,
)


def rows_copy(model: type[Model], columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into the model's table."""
    table = model._meta.db_table
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def ids_reserve(model: type[Model], count: int) -> int:
    """Take `count` consecutive ids from the table's sequence; returns the first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        last = cursor.fetchone()[0]
    return last - count + 1


def sequences_past_ids(*models: type[Model]) -> None:
    """Every table written: its id sequence past its largest id, so that the rows created next
    (through the API, by a test) never take an id that the generator wrote itself."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            # The largest id written, or the sequence's own position if that is further on.
            query = (
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM {table}), "  # noqa: S608 - table name from the model
                "(SELECT last_value FROM pg_sequences "
                "WHERE schemaname || '.' || sequencename = pg_get_serial_sequence(%s, 'id')), 1))"
            )
            cursor.execute(query, [table, table])


def dataset_reset() -> None:
    """Remove everything a previous run generated, and every row hanging off it, in SQL."""
    rows_delete_where(TrainingClass, "code LIKE 'GEN-%%'")
    rows_delete_where(User, "username LIKE 'gen-%%'")
    rows_delete_where(TrainingInstitution, "code LIKE 'gen-%%'")


def rows_delete_where(model: type[Model], condition: str) -> None:
    """DELETE the model's rows matching `condition`, first clearing what references them.

    Follows every reverse relation, whatever app it belongs to (progress, certificates, audit ...),
    so the generator need not know them; SET_NULL references are nulled, not deleted.
    """
    table = model._meta.db_table
    ids = f"SELECT {model._meta.pk.column} FROM {table} WHERE {condition}"  # noqa: S608
    for relation in model._meta.get_fields(include_hidden=True):
        if not (
            relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)
        ):
            continue
        child, column = relation.related_model, relation.field.column
        if relation.field.remote_field.on_delete is SET_NULL:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {child._meta.db_table} SET {column} = NULL WHERE {column} IN ({ids})"  # noqa: S608
                )
        elif child is not model:
            rows_delete_where(child, f"{column} IN ({ids})")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {condition}")  # noqa: S608
