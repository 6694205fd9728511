"""The ``shared`` cache's table under the name the settings give it (``oms_shared_cache``).

``0007`` passed the cache's alias to ``createcachetable``, which takes table names: it made a table
called ``shared`` and never the one the API's rate limits use, so a database set up by ``migrate``
alone answered every API request with an error (the test runner creates cache tables itself,
which hid it). This creates every database cache's table that is missing and drops the stray one.
"""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name('shared')}")


class Migration(migrations.Migration):
    dependencies = [("oms", "0012_returns_roles")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
