"""Channels admin rights: ops read the inbox and map SKU codes, change addresses and handle
exceptions; supervisors also delete mappings and replay inbox messages.

A frozen copy of what ``oms.roles.ROLES`` added at this point (see 0001_roles for why)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

_OPS = (
    "channels.view_inboxmessage",
    "channels.view_skumapping",
    "channels.add_skumapping",
    "channels.change_skumapping",
    "orders.change_address_order",
    "orders.resolve_exception_order",
)

ADDED = {
    "ops": _OPS,
    "supervisor": _OPS + ("channels.delete_skumapping", "channels.replay_inboxmessage"),
}


def _permissions(apps, using) -> dict[str, int]:
    labels = {perm.split(".")[0] for perms in ADDED.values() for perm in perms}
    for label in sorted(labels):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=labels)
        .values_list("pk", "content_type__app_label", "codename")
    }
    missing = sorted({perm for perms in ADDED.values() for perm in perms} - set(found))
    if missing:
        raise LookupError(f"permissions not found: {', '.join(missing)}")
    return found


def add_rights(apps, schema_editor):
    using = schema_editor.connection.alias
    found = _permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    for name, perms in ADDED.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(*[found[perm] for perm in perms])


def remove_rights(apps, schema_editor):
    using = schema_editor.connection.alias
    found = _permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    for name, perms in ADDED.items():
        group = Group.objects.using(using).filter(name=name).first()
        if group is not None:
            group.permissions.remove(*[found[perm] for perm in perms])


class Migration(migrations.Migration):
    dependencies = [
        ("oms", "0001_roles"),
        ("orders", "0003_order_exception"),
        ("channels", "0003_inbox_replay_permission"),
    ]

    operations = [migrations.RunPython(add_rights, remove_rights)]
