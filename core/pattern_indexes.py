"""Dropping the ``varchar_pattern_ops`` indexes Django adds on PostgreSQL beside every indexed or
unique text column (for ``LIKE 'abc%'``), where no query of ours asks for a prefix: each one is
written on every new row and read by nothing. For ``RunPython`` in a migration; nothing happens
on other databases. A later migration that changes such a column's type makes Django create the
index again: drop it again there."""

from django.db import migrations


def drop_pattern_indexes(columns_by_table: dict[str, list[str]]) -> migrations.RunPython:
    def drop(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for table, columns in columns_by_table.items():
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    if any(definition.endswith(f"({column} varchar_pattern_ops)") for column in columns):
                        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        for table, columns in columns_by_table.items():
            for column in columns:
                # The name Django gives it, so that Django finds it again when it alters the column.
                name = quote(schema_editor._create_index_name(table, [column], suffix="_like"))
                schema_editor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {quote(table)} ({quote(column)} varchar_pattern_ops)"
                )

    return migrations.RunPython(drop, create)
