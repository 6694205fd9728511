"""Carriers and waybills: ops see the rate table, change an order's carrier, issue and void
waybills and print; supervisors also edit carriers and rates; pickers issue and print at the pack
station.

Frozen copy of the permissions added to ``oms.roles.ROLES`` with this change; see 0001_roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

_OPS = (
    "warehouse.view_carrier",
    "warehouse.view_carrierservice",
    "warehouse.view_carrierpickup",
    "warehouse.view_ratezone",
    "warehouse.view_carrierrate",
    "warehouse.view_shipment",
    "warehouse.choose_carrier",
    "warehouse.issue_waybill",
    "warehouse.print_documents",
)
_EDIT = tuple(
    f"warehouse.{verb}_{model}"
    for model in ("carrier", "carrierservice", "carrierpickup", "ratezone", "carrierrate")
    for verb in ("add", "change", "delete")
)

ADDED = {
    "ops": _OPS,
    "supervisor": _OPS + _EDIT,
    "picker": ("warehouse.view_shipment", "warehouse.issue_waybill", "warehouse.print_documents"),
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
        ("oms", "0005_floor_roles"),
        ("warehouse", "0003_carriers_shipments"),
    ]

    operations = [migrations.RunPython(add, remove)]
