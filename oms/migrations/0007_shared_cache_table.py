"""The table of the ``shared`` cache (``settings.CACHES``), where the API's rate limits count, so
that ``migrate`` alone sets a database up (no separate ``createcachetable``)."""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", "shared", database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    from django.conf import settings

    table = settings.CACHES["shared"]["LOCATION"]
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("oms", "0006_carrier_roles")]

    operations = [migrations.RunPython(create, drop)]
