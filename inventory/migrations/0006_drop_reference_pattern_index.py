"""On PostgreSQL, no ``varchar_pattern_ops`` copy of the ledger's reference: it is written with
every stock movement (three per new order) and no query asks for a reference by prefix (the admin
search is ``icontains``, which it cannot serve). See ``core.pattern_indexes``."""

from django.db import migrations

from core.pattern_indexes import drop_pattern_indexes


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0005_ledger_admin_indexes"),
    ]

    operations = [
        drop_pattern_indexes({"inventory_stockmovement": ["reference"]}),
    ]
