"""Tracking write-back: ops see the pushes, supervisors may also retry them (立即重试).

Frozen additions to the groups made by 0001_roles (a migration keeps its meaning when roles.py
changes later). Permissions are created first, as in 0001.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {
    "ops": ("channels.view_outboundpush",),
    "supervisor": ("channels.view_outboundpush", "channels.retry_outboundpush"),
}


def _permissions(apps, using):
    create_permissions(global_apps.get_app_config("channels"), verbosity=0, using=using, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    wanted = {perm.split(".")[1] for perms in ADDED.values() for perm in perms}
    found = dict(
        Permission.objects.using(using)
        .filter(content_type__app_label="channels", codename__in=wanted)
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
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ADDED.items():
        group = Group.objects.using(using).filter(name=name).first()
        if group is not None:
            group.permissions.remove(*Permission.objects.using(using).filter(
                content_type__app_label="channels", codename__in=[p.split(".")[1] for p in perms]))


class Migration(migrations.Migration):
    dependencies = [
        ("oms", "0002_channel_roles"),
        ("channels", "0004_polling_writeback"),
    ]

    operations = [migrations.RunPython(add, remove)]
