"""The order flow (auto-review, routing, merge/split, SLA sweep): ops edit the review rules and
lists, merge, split and re-route, and see the routing rules and the exceptions; supervisors also
edit the routing rules, each shop's policy and the flow settings, and receive the escalation emails.

Frozen copy of the permissions added to ``oms.roles.ROLES`` with this change; see 0001_roles.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def _crud(*models):
    return tuple(f"orders.{verb}_{model}" for model in models for verb in ("add", "change", "delete", "view"))


_OPS = (
    ("orders.merge_order", "orders.view_orderflag", "orders.view_provinceroute", "orders.view_categoryroute",
     "orders.view_channelpolicy", "orders.view_flowsettings")
    + _crud("reviewrule", "reviewlistentry")
)
ADDED = {
    "ops": _OPS,
    "supervisor": _OPS
    + _crud("provinceroute", "categoryroute", "channelpolicy")
    + ("orders.change_flowsettings", "orders.receive_escalation_order"),
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
    dependencies = [("oms", "0010_groupbuy_roles"), ("orders", "0011_order_flow")]

    operations = [migrations.RunPython(add, remove)]
