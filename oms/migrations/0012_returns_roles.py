"""After-sales and buyer notifications: ops open, decide and refund returns and see the messages;
supervisors also word the templates, retry messages and see the dashboard; pickers receive
returns on the floor.

Frozen copy of the permissions added to ``oms.roles.ROLES`` with this change; see 0001_roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

_OPS = (
    "orders.view_returnrequest",
    "orders.add_returnrequest",
    "orders.decide_returnrequest",
    "orders.refund_returnrequest",
    "orders.view_notification",
    "orders.view_notificationtemplate",
)
ADDED = {
    "ops": _OPS,
    "supervisor": _OPS + ("orders.change_notificationtemplate", "orders.retry_notification", "orders.view_dashboard"),
    "picker": ("orders.receive_returnrequest",),
}


def _permissions(apps, using):
    create_permissions(global_apps.get_app_config("orders"), verbosity=0, using=using, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    wanted = {perm.split(".")[1] for perms in ADDED.values() for perm in perms}
    found = dict(
        Permission.objects.using(using)
        .filter(content_type__app_label="orders", codename__in=wanted)
        .values_list("codename", "pk")
    )
    missing = sorted(wanted - set(found))
    if missing:
        raise LookupError(f"permissions not found: {', '.join(missing)}")
    return found


def add(apps, schema_editor):
    using = schema_editor.connection.alias
    found = _permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    for name, perms in ADDED.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*[found[perm.split(".")[1]] for perm in perms])


def remove(apps, schema_editor):
    using = schema_editor.connection.alias
    found = _permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    for name, perms in ADDED.items():
        for group in Group.objects.using(using).filter(name=name):
            group.permissions.remove(*[found[perm.split(".")[1]] for perm in perms])


class Migration(migrations.Migration):
    dependencies = [
        ("oms", "0011_order_flow_roles"),
        ("orders", "0014_dashboard_rollups"),
    ]

    operations = [migrations.RunPython(add, remove)]
