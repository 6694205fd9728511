"""Floor roles: ops see waves and each order's floor evidence; supervisors build, release and
cancel waves in every warehouse, let overweight parcels through, keep boxes, floor staff and
settings; pickers see their waves and add photos.

Frozen copy of the permissions added to ``oms.roles.ROLES`` with this change; see 0001_roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

_OPS = ("warehouse.view_wave", "warehouse.view_scanrecord", "warehouse.view_parcel", "warehouse.view_floorphoto")
_CRUD = tuple(
    f"warehouse.{verb}_{model}"
    for model in ("box", "floormember", "floorsettings")
    for verb in ("add", "change", "delete", "view")
)
ADDED = {
    "ops": _OPS,
    "supervisor": _OPS
    + (
        "warehouse.all_warehouses",
        "warehouse.build_wave",
        "warehouse.release_wave",
        "warehouse.cancel_wave",
        "warehouse.view_pickline",
        "warehouse.view_waveorder",
        "warehouse.override_weight_parcel",
    )
    + _CRUD,
    "picker": ("warehouse.view_wave", "warehouse.view_pickline", "warehouse.view_box", "warehouse.add_floorphoto"),
}


def _permissions(apps, using):
    create_permissions(global_apps.get_app_config("warehouse"), verbosity=0, using=using, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    wanted = {perm.split(".")[1] for perms in ADDED.values() for perm in perms}
    found = dict(
        Permission.objects.using(using)
        .filter(content_type__app_label="warehouse", codename__in=wanted)
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
        ("oms", "0004_import_roles"),
        ("warehouse", "0001_initial"),
    ]

    operations = [migrations.RunPython(add, remove)]
