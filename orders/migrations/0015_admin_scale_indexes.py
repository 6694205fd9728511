"""Indexes for what ops can click in the order list at millions of orders (issue 15): the sortable
columns (下单时间, amount, warehouse) each with the id after it, the held orders by reason, the
orders with an exception. Built with CREATE INDEX CONCURRENTLY on PostgreSQL (orders keep coming
in while they build), hence not atomic; the single-column indexes they replace (下单时间, 异常,
the warehouse's foreign key) go last."""

import django.db.models.deletion
from django.db import migrations, models

from core.migration_ops import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0014_dashboard_rollups"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='order',
            index=models.Index(fields=['placed_at', 'id'], name='order_placed_idx'),
        ),
        AddIndexConcurrently(
            model_name='order',
            index=models.Index(fields=['paid_amount', 'id'], name='order_paid_amount_idx'),
        ),
        AddIndexConcurrently(
            model_name='order',
            index=models.Index(fields=['warehouse', 'id'], name='order_warehouse_idx'),
        ),
        AddIndexConcurrently(
            model_name='order',
            index=models.Index(condition=models.Q(('status', 'on_hold')), fields=['hold_reason', 'id'], name='order_held_idx'),
        ),
        AddIndexConcurrently(
            model_name='order',
            index=models.Index(condition=models.Q(('exception_reason__gt', '')), fields=['exception_reason', 'id'], name='order_exception_idx'),
        ),
        migrations.AlterField(
            model_name='order',
            name='exception_reason',
            field=models.CharField(blank=True, choices=[('late_address_change', '已打包/已发货后买家改地址'), ('late_refund', '已打包/已发货后平台退款/取消'), ('short_pick', '拣货缺货'), ('weight_mismatch', '称重不符'), ('pick_late', '付款后超时未拣货'), ('ship_deadline', '临近或超过平台承诺发货时间'), ('frequent_returns', '频繁退货退款客户'), ('other', '其他异常')], max_length=24, verbose_name='异常'),
        ),
        migrations.AlterField(
            model_name='order',
            name='placed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='下单时间'),
        ),
        migrations.AlterField(
            model_name="order",
            name="warehouse",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to="inventory.warehouse",
                verbose_name="发货仓",
            ),
        ),
    ]
