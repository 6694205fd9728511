"""Roles are groups made by a migration; ``demo_logins`` gives one account per role."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from oms.roles import GROUP_LEADER, OPS, PICKER, ROLES, SUPERVISOR

EXPECTED = {
    OPS: {
        "orders.view_order", "orders.view_orderline", "orders.view_orderevent", "orders.view_ordersource",
        "orders.view_customer", "orders.approve_order", "orders.hold_order", "orders.cancel_order",
        "inventory.view_stocklevel", "inventory.view_stockmovement", "inventory.view_sku",
        "inventory.view_warehouse", "inventory.view_bin", "channels.view_channel",
        "channels.view_inboxmessage", "channels.view_skumapping", "channels.add_skumapping",
        "channels.change_skumapping", "orders.change_address_order", "orders.resolve_exception_order",
        "channels.view_outboundpush",
        "channels.add_importjob", "channels.view_importjob",
        "warehouse.view_wave", "warehouse.view_scanrecord", "warehouse.view_parcel", "warehouse.view_floorphoto",
        "warehouse.view_carrier", "warehouse.view_carrierservice", "warehouse.view_carrierpickup",
        "warehouse.view_ratezone", "warehouse.view_carrierrate", "warehouse.view_shipment",
        "warehouse.choose_carrier", "warehouse.issue_waybill", "warehouse.print_documents",
        "orders.view_deliverystation", "orders.add_deliverystation", "orders.change_deliverystation",
        "channels.view_groupleader", "channels.add_groupleader", "channels.change_groupleader",
        "channels.view_campaign", "channels.add_campaign", "channels.change_campaign",
        "channels.view_campaignitem", "channels.add_campaignitem", "channels.change_campaignitem",
        "channels.delete_campaignitem", "channels.close_campaign", "channels.view_campaignorder",
        "channels.view_cutoffbatch",
        "channels.view_cutoffdemand", "channels.view_purchaseline", "channels.view_stationline",
        "warehouse.view_stationwave",
        # The order flow: review rules and lists; merge, split, re-route; see routing, policies, settings, exceptions.
        "orders.merge_order", "orders.view_orderflag", "orders.view_provinceroute", "orders.view_categoryroute",
        "orders.view_channelpolicy", "orders.view_flowsettings",
        *(f"orders.{verb}_{model}" for verb in ("add", "change", "delete", "view") for model in ("reviewrule", "reviewlistentry")),
    },
    PICKER: {
        "inventory.view_sku", "inventory.view_stocklevel", "inventory.view_warehouse", "inventory.view_bin",
        "warehouse.view_wave", "warehouse.view_pickline", "warehouse.view_box", "warehouse.add_floorphoto",
        "warehouse.view_shipment", "warehouse.issue_waybill", "warehouse.print_documents",
    },
    GROUP_LEADER: set(),
}
EXPECTED[SUPERVISOR] = EXPECTED[OPS] | {
    "orders.view_pii", "inventory.change_stocklevel", "channels.retry_outboundpush",
    *(f"inventory.{verb}_{model}" for verb in ("add", "change", "delete", "view") for model in ("sku", "warehouse", "bin")),
    *(f"channels.{verb}_channel" for verb in ("add", "change", "delete", "view")),
    "channels.delete_skumapping", "channels.replay_inboxmessage",
    "warehouse.all_warehouses", "warehouse.build_wave", "warehouse.release_wave", "warehouse.cancel_wave",
    "warehouse.view_pickline", "warehouse.view_waveorder", "warehouse.override_weight_parcel",
    *(f"warehouse.{verb}_{model}" for verb in ("add", "change", "delete", "view")
      for model in ("box", "floormember", "floorsettings")),
    *(f"warehouse.{verb}_{model}" for verb in ("add", "change", "delete", "view")
      for model in ("carrier", "carrierservice", "carrierpickup", "ratezone", "carrierrate")),
    "oms.view_loginlock", "oms.unlock_loginlock",
    "orders.delete_deliverystation", "channels.delete_groupleader", "channels.delete_campaign",
    "warehouse.dispatch_stationwave",
    *(f"orders.{verb}_{model}" for verb in ("add", "change", "delete", "view")
      for model in ("provinceroute", "categoryroute", "channelpolicy")),
    "orders.change_flowsettings", "orders.receive_escalation_order",
}

# After-sales and buyer notifications.
_RETURNS_OPS = {
    "orders.view_returnrequest", "orders.add_returnrequest", "orders.decide_returnrequest",
    "orders.refund_returnrequest", "orders.view_notification", "orders.view_notificationtemplate",
}
EXPECTED[OPS] = EXPECTED[OPS] | _RETURNS_OPS
EXPECTED[SUPERVISOR] = EXPECTED[SUPERVISOR] | _RETURNS_OPS | {
    "orders.change_notificationtemplate", "orders.retry_notification", "orders.view_dashboard",
}
EXPECTED[PICKER] = EXPECTED[PICKER] | {"orders.receive_returnrequest"}


def group_permissions() -> dict[str, set[str]]:
    return {
        group.name: {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        for group in Group.objects.prefetch_related("permissions")
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_creates_the_groups_with_their_permissions():
    # Run the data migration for real, backwards then forwards (a fresh database does the same).
    call_command("migrate", "oms", "zero", verbosity=0)
    assert not Group.objects.filter(name__in=list(EXPECTED)).exists()

    call_command("migrate", "oms", verbosity=0)

    assert group_permissions() == EXPECTED


def test_roles_py_describes_the_same_roles_as_the_migration():
    assert {name: set(perms) for name, perms in ROLES.items()} == EXPECTED


def test_what_each_role_may_do(make_member):
    ops = make_member(OPS, "ops_a")
    supervisor = make_member(SUPERVISOR, "sup_a")
    picker = make_member(PICKER, "picker_a")
    leader = make_member(GROUP_LEADER, "leader_a")

    assert ops.is_staff and supervisor.is_staff
    assert not picker.is_staff and not leader.is_staff
    assert ops.has_perms(["orders.approve_order", "orders.hold_order", "orders.cancel_order"])
    assert not ops.has_perm("orders.view_pii")
    assert not ops.has_perm("inventory.change_stocklevel")
    assert supervisor.has_perms(["orders.view_pii", "inventory.change_stocklevel", "channels.add_channel"])
    assert not supervisor.has_perm("inventory.change_stockmovement")
    assert ops.has_perms(["channels.view_inboxmessage", "channels.add_skumapping", "orders.change_address_order",
                          "orders.resolve_exception_order"])
    assert not ops.has_perm("channels.replay_inboxmessage") and not ops.has_perm("channels.change_channel")
    assert supervisor.has_perms(["channels.replay_inboxmessage", "channels.change_channel"])
    assert picker.has_perm("inventory.view_stocklevel") and not picker.has_perm("orders.view_order")
    assert leader.get_all_permissions() == set()


# ---- demo_logins ----


def test_demo_logins_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_logins")

    assert not get_user_model().objects.filter(username__in=["admin", "ops", "api"]).exists()


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_logins_makes_one_login_per_role_and_an_api_token(db, settings, capsys, fast_hashing):
    settings.DEBUG = True
    call_command("demo_logins")
    first = capsys.readouterr().out
    token = Token.objects.get(user__username="api")

    call_command("demo_logins")  # idempotent: same users, same token
    second = capsys.readouterr().out

    User = get_user_model()
    assert User.objects.filter(username__in=["admin", "ops", "supervisor", "picker", "leader", "api"]).count() == 6
    assert Token.objects.get(user__username="api").key == token.key
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="ops").check_password("ops-demo-123")
    assert list(User.objects.get(username="supervisor").groups.values_list("name", flat=True)) == [SUPERVISOR]
    assert not User.objects.get(username="picker").is_staff
    assert not User.objects.get(username="leader").is_staff
    assert not User.objects.get(username="api").has_usable_password()
    assert User.objects.get(username="api").has_perm("orders.view_order")
    for text in ("admin-demo-123", "leader-demo-123", "http://127.0.0.1:8000/admin/", token.key, "curl", "/api/v1/orders"):
        assert text in first
    assert "http://127.0.0.1:8000/floor/login/" in first, "the picker logs in on the floor's own page"
    assert "http://127.0.0.1:8000/leader/login/" in first
    assert first == second


def test_demo_logins_with_force_runs_without_debug(db, settings, capsys, fast_hashing):
    settings.DEBUG = False

    call_command("demo_logins", "--force")

    assert get_user_model().objects.get(username="supervisor").check_password("supervisor-demo-123")
    assert "supervisor-demo-123" in capsys.readouterr().out


def test_demo_logins_prints_the_address_the_site_is_served_at(db, settings, capsys, fast_hashing):
    settings.DEBUG = True

    call_command("demo_logins", "--base-url", "http://127.0.0.1:8011/")

    out = capsys.readouterr().out
    assert "http://127.0.0.1:8011/admin/" in out
    assert "http://127.0.0.1:8011/api/v1/orders" in out
    assert ":8000" not in out
