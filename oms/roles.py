"""Roles: Django groups and the permissions each one holds.

``ROLES`` is the single description of who may do what. The data migration
``oms/migrations/0001_roles.py`` holds a frozen copy (a migration must not change meaning when this
file does); a later change to a role is a new migration plus the change here. ``sync_roles`` brings
the groups in a database in line with this file (used by ``manage.py demo_logins``).
"""

from django.utils.translation import gettext_lazy as _

OPS = "ops"
SUPERVISOR = "supervisor"
PICKER = "picker"
GROUP_LEADER = "group_leader"

ROLE_LABELS = {
    OPS: _("客服/运营"),
    SUPERVISOR: _("主管"),
    PICKER: _("拣货/打包"),
    GROUP_LEADER: _("团长"),
}

#: Roles that work in the Django admin; the others use their own phone pages and are not staff.
STAFF_ROLES = frozenset({OPS, SUPERVISOR})


def _crud(app_label: str, *models: str) -> tuple[str, ...]:
    return tuple(f"{app_label}.{verb}_{model}" for model in models for verb in ("add", "change", "delete", "view"))


_OPS_PERMISSIONS = (
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
    # Read-only catalogue: the stock list and the order lines name SKUs, warehouses and channels.
    "inventory.view_sku",
    "inventory.view_warehouse",
    "inventory.view_bin",
    "channels.view_channel",
    # Channels admin: read the inbox, map platform codes to our SKUs (which re-runs held orders).
    "channels.view_inboxmessage",
    "channels.view_skumapping",
    "channels.add_skumapping",
    "channels.change_skumapping",
    # Orders: change the address before packing, handle exceptions (red rows).
    "orders.change_address_order",
    "orders.resolve_exception_order",
    # Tracking write-back: see every push, its status and last error.
    "channels.view_outboundpush",
    # Spreadsheet import of platform order exports: upload, preview, import, follow progress.
    "channels.add_importjob",
    "channels.view_importjob",
    # Warehouse floor: waves and the evidence on each order's page (scans, parcels, photos).
    "warehouse.view_wave",
    "warehouse.view_scanrecord",
    "warehouse.view_parcel",
    "warehouse.view_floorphoto",
    # Carriers: see the rate table, propose/change an order's carrier, issue/void waybills, print.
    "warehouse.view_carrier",
    "warehouse.view_carrierservice",
    "warehouse.view_carrierpickup",
    "warehouse.view_ratezone",
    "warehouse.view_carrierrate",
    "warehouse.view_shipment",
    "warehouse.choose_carrier",
    "warehouse.issue_waybill",
    "warehouse.print_documents",
    # Group-buy: pickup stations, leaders, campaigns and their items; 截单 by hand; each cutoff's
    # purchase plan, demand and station split; the station waves and their manifests.
    "orders.view_deliverystation",
    "orders.add_deliverystation",
    "orders.change_deliverystation",
    "channels.view_groupleader",
    "channels.add_groupleader",
    "channels.change_groupleader",
    "channels.view_campaign",
    "channels.add_campaign",
    "channels.change_campaign",
    "channels.view_campaignitem",
    "channels.add_campaignitem",
    "channels.change_campaignitem",
    "channels.delete_campaignitem",
    "channels.close_campaign",
    "channels.view_campaignorder",
    "channels.view_cutoffbatch",
    "channels.view_cutoffdemand",
    "channels.view_purchaseline",
    "channels.view_stationline",
    "warehouse.view_stationwave",
    # The order flow: edit the review rules and lists; merge, split, re-route; see the routing
    # rules, each shop's policy, the flow settings and the exceptions page.
    "orders.merge_order",
    "orders.view_orderflag",
    "orders.view_provinceroute",
    "orders.view_categoryroute",
    "orders.view_channelpolicy",
    "orders.view_flowsettings",
    # After-sales and buyer notifications: open, approve or refuse requests, record refunds; see
    # the messages sent and their templates.
    "orders.view_returnrequest",
    "orders.add_returnrequest",
    "orders.decide_returnrequest",
    "orders.refund_returnrequest",
    "orders.view_notification",
    "orders.view_notificationtemplate",
) + _crud("orders", "reviewrule", "reviewlistentry")

#: Floor supervision: build, release, reassign and cancel waves in every warehouse, let a parcel
#: outside the weight tolerance through, and keep boxes, floor staff and floor settings.
_FLOOR_SUPERVISOR_PERMISSIONS = (
    ("warehouse.all_warehouses", "warehouse.build_wave", "warehouse.release_wave", "warehouse.cancel_wave",
     "warehouse.view_pickline", "warehouse.view_waveorder", "warehouse.override_weight_parcel")
    + _crud("warehouse", "box", "floormember", "floorsettings")
)

#: Group name -> permissions as "app_label.codename".
ROLES: dict[str, tuple[str, ...]] = {
    OPS: _OPS_PERMISSIONS,
    SUPERVISOR: tuple(
        dict.fromkeys(
            _OPS_PERMISSIONS
            + ("orders.view_pii", "inventory.change_stocklevel", "channels.retry_outboundpush")
            + _crud("inventory", "sku", "warehouse", "bin")
            + _crud("channels", "channel")
            + ("channels.delete_skumapping", "channels.replay_inboxmessage")
            + _FLOOR_SUPERVISOR_PERMISSIONS
            + _crud("warehouse", "carrier", "carrierservice", "carrierpickup", "ratezone", "carrierrate")
            # Group-buy: remove stations, leaders and campaigns; send a station's run on its way.
            + ("orders.delete_deliverystation", "channels.delete_groupleader", "channels.delete_campaign",
               "warehouse.dispatch_stationwave")
            # Login locks after failed logins (django-axes): see them, lift them.
            + ("oms.view_loginlock", "oms.unlock_loginlock")
            # The order flow: routing rules, shop policies, thresholds; the escalation emails.
            + _crud("orders", "provinceroute", "categoryroute", "channelpolicy")
            + ("orders.change_flowsettings", "orders.receive_escalation_order")
            # Buyer notifications: word the templates, retry a message that failed.
            + ("orders.change_notificationtemplate", "orders.retry_notification")
            # The supervisor's dashboard on the admin home page, and its KPI exports.
            + ("orders.view_dashboard",)
        )
    ),
    PICKER: (
        "inventory.view_sku",
        "inventory.view_stocklevel",
        "inventory.view_warehouse",
        "inventory.view_bin",
        # The phone pages: their own warehouses' waves (FloorMember decides which), photos.
        "warehouse.view_wave",
        "warehouse.view_pickline",
        "warehouse.view_box",
        "warehouse.add_floorphoto",
        # The pack station issues the waybill and prints the label and the execution sheet.
        "warehouse.view_shipment",
        "warehouse.issue_waybill",
        "warehouse.print_documents",
        # Returns arriving at the warehouse: scan, inspect, photograph, restock or scrap.
        "orders.receive_returnrequest",
    ),
    GROUP_LEADER: (),
}


#: What an integrating system (a platform, an ERP) gets with its API token: push orders, read
#: orders and stock. Given to the user directly; it is a machine, not a role people hold.
API_INTEGRATOR_PERMISSIONS = ("orders.add_order", "orders.view_order", "inventory.view_stocklevel")


def permission_ids(perms) -> dict[str, int]:
    """"app_label.codename" -> Permission id. Refuses (``LookupError``) an unknown permission, so a
    typo cannot silently leave someone short of a right."""
    from django.contrib.auth.models import Permission

    wanted = set(perms)
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(
            content_type__app_label__in={p.split(".")[0] for p in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
        if f"{app_label}.{codename}" in wanted
    }
    missing = sorted(wanted - set(found))
    if missing:
        raise LookupError(f"unknown permissions: {', '.join(missing)}")
    return found


def sync_roles() -> None:
    """Create the groups and give each exactly the permissions ``ROLES`` lists. Idempotent."""
    from django.contrib.auth.models import Group

    found = permission_ids(perm for perms in ROLES.values() for perm in perms)
    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([found[perm] for perm in perms])
