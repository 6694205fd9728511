"""Create the role groups: ops, supervisor, picker, group_leader.

The role data is a frozen copy of ``oms.roles.ROLES`` as of this migration, so this migration keeps
its meaning when roles.py changes later; a change to a role is a new migration.

Permissions are normally created after ``migrate`` finishes (post_migrate), which is too late for
this migration on a fresh database, so it creates them first for the apps it needs.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

_OPS = (
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_orderevent",
    "orders.view_ordersource",
    "orders.view_customer",
    "orders.approve_order",
    "orders.hold_order",
    "orders.cancel_order",
    "inventory.view_stocklevel",
    "inventory.view_stockmovement",
    "inventory.view_sku",
    "inventory.view_warehouse",
    "inventory.view_bin",
    "channels.view_channel",
)

ROLES = {
    "ops": _OPS,
    "supervisor": _OPS
    + (
        "orders.view_pii",
        "inventory.change_stocklevel",
        "inventory.add_sku",
        "inventory.change_sku",
        "inventory.delete_sku",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
        "inventory.delete_warehouse",
        "inventory.add_bin",
        "inventory.change_bin",
        "inventory.delete_bin",
        "channels.add_channel",
        "channels.change_channel",
        "channels.delete_channel",
    ),
    "picker": (
        "inventory.view_sku",
        "inventory.view_stocklevel",
        "inventory.view_warehouse",
        "inventory.view_bin",
    ),
    "group_leader": (),
}


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    labels = {perm.split(".")[0] for perms in ROLES.values() for perm in perms}
    for label in sorted(labels):
        # The real app config tells create_permissions the app has models; the historical
        # registry (``apps``) supplies the models as of this migration.
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted({perm for perms in ROLES.values() for perm in perms} - set(found))
    if missing:
        raise LookupError(f"permissions not found: {', '.join(missing)}")
    for name, perms in ROLES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([found[perm] for perm in perms])


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("orders", "0001_initial"),
        ("inventory", "0001_initial"),
        ("channels", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
