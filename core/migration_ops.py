"""Migration operations that add indexes to large tables without blocking writes.

``AddIndexConcurrently`` is Django's ``CREATE INDEX CONCURRENTLY`` on PostgreSQL (the table keeps
taking orders while a 10-million-row index is built) and a plain ``CREATE INDEX`` on other
databases (SQLite in development and tests), where the PostgreSQL operation would fail. A migration
that uses it sets ``atomic = False``; a concurrent build that fails leaves an INVALID index, which
the operation drops before building again, so running the migration again is safe.
"""

from django.contrib.postgres import operations as pg
from django.db.migrations import AddIndex


class AddIndexConcurrently(pg.AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        self._ensure_not_in_transaction(schema_editor)
        # A concurrent build interrupted earlier leaves the index behind, marked invalid.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.index.name)}")
        return super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
        return super().database_backwards(app_label, schema_editor, from_state, to_state)
