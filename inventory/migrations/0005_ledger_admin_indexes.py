"""Indexes for the stock ledger's admin list at millions of rows (issue 15): newest first, and by
reason. Built with CREATE INDEX CONCURRENTLY on PostgreSQL (the ledger keeps taking writes), hence
not atomic; the single-column index on ``at`` goes once ``(at, id)`` is there to replace it."""

from django.db import migrations, models

from core.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("inventory", "0004_movement_return_in"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(fields=["at", "id"], name="movement_at_idx"),
        ),
        AddIndexConcurrently(
            model_name="stockmovement",
            index=models.Index(fields=["reason", "at", "id"], name="movement_reason_at_idx"),
        ),
        migrations.AlterField(
            model_name="stockmovement",
            name="at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="时间"),
        ),
    ]
