"""Group-buy: ops keep pickup stations, leaders and campaigns, close a campaign by hand and read
each cutoff (purchase plan, demand, station split) and the station waves; supervisors may also
delete them and send a station wave on its delivery run.

Frozen copy of the permissions added to ``oms.roles.ROLES`` with this change; see 0001_roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

_OPS = (
    "orders.view_deliverystation", "orders.add_deliverystation", "orders.change_deliverystation",
    "channels.view_groupleader", "channels.add_groupleader", "channels.change_groupleader",
    "channels.view_campaign", "channels.add_campaign", "channels.change_campaign",
    "channels.view_campaignitem", "channels.add_campaignitem", "channels.change_campaignitem",
    "channels.delete_campaignitem", "channels.close_campaign", "channels.view_campaignorder", "channels.view_cutoffbatch",
    "channels.view_cutoffdemand", "channels.view_purchaseline", "channels.view_stationline",
    "warehouse.view_stationwave",
)
ADDED = {
    "ops": _OPS,
    "supervisor": _OPS + (
        "orders.delete_deliverystation", "channels.delete_groupleader", "channels.delete_campaign",
        "warehouse.dispatch_stationwave",
    ),
}
APPS = ("orders", "channels", "warehouse")


def _permissions(apps, using):
    for label in APPS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)
    Permission = apps.get_model("auth", "Permission")
    wanted = {perm for perms in ADDED.values() for perm in perms}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(content_type__app_label__in=APPS)
        .values_list("pk", "content_type__app_label", "codename")
        if f"{app_label}.{codename}" in wanted
    }
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
        group.permissions.add(*[found[perm] for perm in perms])


def remove(apps, schema_editor):
    using = schema_editor.connection.alias
    found = _permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    for name, perms in ADDED.items():
        for group in Group.objects.using(using).filter(name=name):
            group.permissions.remove(*[found[perm] for perm in perms])


class Migration(migrations.Migration):
    dependencies = [
        ("oms", "0009_login_lock_roles"),
        ("orders", "0010_delivery_station"),
        ("channels", "0009_groupbuy"),
        ("warehouse", "0004_station_waves"),
    ]

    operations = [migrations.RunPython(add, remove)]
