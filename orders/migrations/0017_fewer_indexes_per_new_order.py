"""Fewer indexes written for every new order (each was maintained on every insert and served no
query another index does not serve better):

* ``orders_order.channel_id`` and ``orders_idempotencyrecord.user_id``: the composite indexes
  (channel, status) and the unique (user, key) start with them. Only the indexes are dropped; the
  foreign keys stay as they are (Django would drop and re-add them, re-checking every row).
* ``orders_orderevent.action``: (action, at) starts with it.
* On PostgreSQL, the ``varchar_pattern_ops`` copies of the order's number, status, phone, privacy
  phone and tracking number, the platform order number and the customer's phone: every search and
  filter matches them exactly (``orders.admin.search``), none by prefix (``core.pattern_indexes``).
"""

import django.db.models.deletion
import orders.models
from django.conf import settings
from django.db import migrations, models

from core.pattern_indexes import drop_pattern_indexes


def drop_index(table: str, column: str, name: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
    )


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0010_inbox_drain'),
        ('orders', '0016_event_archive'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='idempotencyrecord',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='用户'),
                ),
                migrations.AlterField(
                    model_name='order',
                    name='channel',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='channels.channel', verbose_name='渠道'),
                ),
            ],
            database_operations=[
                drop_index("orders_idempotencyrecord", "user_id", "orders_idempotencyrecord_user_id_c58b4115"),
                drop_index("orders_order", "channel_id", "orders_order_channel_id_a76729a3"),
            ],
        ),
        migrations.AlterField(
            model_name='orderevent',
            name='action',
            field=models.CharField(choices=orders.models.event_actions, max_length=32, verbose_name='动作'),
        ),
        drop_pattern_indexes({
            "orders_order": ["number", "status", "phone", "phone_privacy", "tracking_number"],
            "orders_ordersource": ["external_id"],
            "orders_customer": ["phone"],
        }),
    ]
