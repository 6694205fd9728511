"""The default buyer notification templates (SMS and email for each event), editable in admin.

Frozen here: a later change of wording in admin is the shop's own and is never overwritten.
"""

from django.db import migrations

SMS = {
    "shipped": "【{shop}】您的订单 {order_number} 已发货，{carrier} 运单号 {tracking_number}。查询：{track_url}",
    "delivered": "【{shop}】您的订单 {order_number} 已签收，感谢惠顾。如有问题可在 {track_url} 申请售后。",
    "held": "【{shop}】您的订单 {order_number} 暂缓发货：{hold_reason}，请联系客服补充或确认收货信息。",
    "return_approved": "【{shop}】您的售后申请 {return_number} 已同意。{note} 进度查询：{track_url}",
    "return_refused": "【{shop}】很抱歉，您的售后申请 {return_number} 未通过：{note}",
    "return_refunded": "【{shop}】您的售后 {return_number} 已退款 {refund_amount} 元，请留意平台到账通知。",
}
SUBJECTS = {
    "shipped": "订单 {order_number} 已发货",
    "delivered": "订单 {order_number} 已签收",
    "held": "订单 {order_number} 需要您补充信息",
    "return_approved": "售后申请 {return_number} 已同意",
    "return_refused": "售后申请 {return_number} 未通过",
    "return_refunded": "售后 {return_number} 已退款",
}


def add(apps, schema_editor):
    Template = apps.get_model("orders", "NotificationTemplate")
    using = schema_editor.connection.alias
    for event, text in SMS.items():
        Template.objects.using(using).get_or_create(event=event, channel="sms", defaults={"body": text})
        Template.objects.using(using).get_or_create(
            event=event, channel="email",
            defaults={"subject": SUBJECTS[event], "body": "{name} 您好：\n\n" + text + "\n"},
        )


def remove(apps, schema_editor):
    apps.get_model("orders", "NotificationTemplate").objects.using(schema_editor.connection.alias).filter(
        event__in=list(SMS)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0012_returns_notifications")]

    operations = [migrations.RunPython(add, remove)]
