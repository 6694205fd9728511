"""The leader's orders: today's campaigns, the order form, each order with its progress, changes
and cancellations until the cutoff. Forms post back and redirect (post/redirect/get); the
services decide, the pages only parse and show."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.groupbuy.forms import HouseholdForm, QuantitiesForm, quantity_field_name
from channels.groupbuy.models import Campaign, CampaignOrder
from channels.groupbuy.qr import qr_svg
from channels.groupbuy.selectors import (
    campaign_offers,
    current_campaigns,
    leader_order,
    leader_orders,
    leader_summary,
    recent_campaigns,
)
from channels.groupbuy.views.access import leader_required, not_yours, refused
from channels.services.leader_orders import (
    Household,
    LeaderRefused,
    closed_refusal,
    leader_order_cancel,
    leader_order_change,
    leader_order_submit,
)
from orders.stations import pickup_stage, pickup_steps

#: The household's page link is signed with this salt (``/gb/<token>/``).
HOUSEHOLD_SALT = "oms.groupbuy.household"


def household_token(order_id: int) -> str:
    return signing.dumps(order_id, salt=HOUSEHOLD_SALT, compress=True)


@require_GET
@leader_required
def home(request):
    leader = request.leader
    open_now = current_campaigns()
    recent = [c for c in recent_campaigns(leader=leader) if c not in open_now]
    cards = [
        {"campaign": c, "summary": leader_summary(leader=leader, campaign=c), "open": True} for c in open_now
    ] + [{"campaign": c, "summary": leader_summary(leader=leader, campaign=c), "open": False} for c in recent]
    return render(request, "leader/home.html", {"leader": leader, "cards": cards})


def campaign_for_leader(leader, code: str) -> Campaign:
    """A campaign the leader may see: one taking orders now, or one they have orders in."""
    campaign = get_object_or_404(Campaign.objects.select_related("channel"), code=code)
    if campaign.accepts_orders() or CampaignOrder.objects.filter(campaign=campaign, leader=leader).exists():
        return campaign
    raise Http404


@require_GET
@leader_required
def campaign_page(request, code: str):
    leader = request.leader
    campaign = campaign_for_leader(leader, code)
    links = list(leader_orders(leader=leader, campaign=campaign))
    for link in links:
        link.stage = pickup_stage(link.order.status)
    return render(request, "leader/campaign.html", {
        "campaign": campaign,
        "open": campaign.accepts_orders(),
        "offers": campaign_offers(campaign),
        "summary": leader_summary(leader=leader, campaign=campaign),
        "links": links,
    })


def _closed_page(request, campaign: Campaign, *, status: int = 200):
    return render(request, "leader/closed.html", {
        "campaign": campaign, "message": closed_refusal(campaign).message,
    }, status=status)


@leader_required
def new_order(request, code: str):
    """The order form. Closed on the server once the campaign is (whatever the page showed)."""
    leader = request.leader
    campaign = get_object_or_404(Campaign.objects.select_related("channel"), code=code)
    if timezone.now() < campaign.starts_at:
        return refused(request, _("「%(name)s」还没有开团") % {"name": campaign.name}, status=409)
    if not campaign.accepts_orders():
        return _closed_page(request, campaign, status=409 if request.method == "POST" else 200)
    offers = campaign_offers(campaign)
    if request.method != "POST":
        form = HouseholdForm(offers=offers, initial={"token": uuid.uuid4().hex})
        return _form_page(request, campaign, form)
    form = HouseholdForm(request.POST, request.FILES, offers=offers)
    if "photo" in getattr(request, "refused_uploads", {}):
        form.add_error("photo", _("照片文件过大，请压缩后再传"))
    photo = request.FILES.get("photo")
    if photo is not None and photo.size > getattr(settings, "LEADER_PHOTO_MAX_BYTES", 10 * 1024 * 1024):
        form.add_error("photo", _("照片文件过大，请压缩后再传"))
    if not form.is_valid():
        return _form_page(request, campaign, form, status=400)
    data = form.cleaned_data
    household = Household(name=data["name"], phone=data["phone"], note=data["note"], quantities=form.quantities())
    try:
        result = leader_order_submit(
            leader=leader, campaign=campaign, household=household, photo=photo.read(), token=data["token"]
        )
    except LeaderRefused as exc:
        if exc.code == "closed":
            campaign.refresh_from_db()
            return _closed_page(request, campaign, status=409)
        form.add_error(None, exc.message)
        return _form_page(request, campaign, form, status=409)
    order = result.link.order
    if result.created:
        messages.success(request, _("已下单：%(number)s（%(name)s）") % {"number": order.number, "name": order.recipient_name})
    else:
        messages.info(request, _("这张表单已经提交过，订单 %(number)s") % {"number": order.number})
    return redirect("leader:order", pk=order.pk)


def _form_page(request, campaign, form, *, status: int = 200):
    return render(request, "leader/order_form.html", {
        "campaign": campaign, "form": form, "cutoff": timezone.localtime(campaign.cutoff_at),
    }, status=status)


@require_GET
@leader_required
def order_page(request, pk: int):
    link = leader_order(leader=request.leader, order_id=pk)
    if link is None:
        return not_yours(request)
    order = link.order
    household_url = request.build_absolute_uri(reverse("household:page", args=[household_token(order.pk)]))
    return render(request, "leader/order.html", {
        "link": link,
        "order": order,
        "lines": list(order.lines.order_by("id")),
        "steps": pickup_steps(order.status),
        "stage": pickup_stage(order.status),
        "open": link.campaign.accepts_orders(),
        "household_url": household_url,
        "household_qr": qr_svg(household_url),
    })


@require_GET
@leader_required
def order_photo(request, pk: int):
    """The payment photo of one of the leader's own orders (never a public media URL)."""
    link = leader_order(leader=request.leader, order_id=pk)
    if link is None or not link.photo.name:
        return not_yours(request)
    field = link.thumbnail if request.GET.get("size") == "thumb" else link.photo
    try:
        handle = default_storage.open(field.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@leader_required
def edit_order(request, pk: int):
    leader = request.leader
    link = leader_order(leader=leader, order_id=pk)
    if link is None:
        return not_yours(request)
    campaign = link.campaign
    if not campaign.accepts_orders():
        return _closed_page(request, campaign, status=409 if request.method == "POST" else 200)
    offers = campaign_offers(campaign)
    current = {line.sku_id: line.quantity for line in link.order.lines.all()}
    initial = {quantity_field_name(o.item.pk): current.get(o.item.sku_id, 0) for o in offers}
    form = QuantitiesForm(request.POST or None, offers=offers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            leader_order_change(leader=leader, order_id=pk, quantities=form.quantities())
        except LeaderRefused as exc:
            if exc.code == "closed":
                campaign.refresh_from_db()
                return _closed_page(request, campaign, status=409)
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已修改订单 %(number)s") % {"number": link.order.number})
            return redirect("leader:order", pk=pk)
    status = 200 if request.method != "POST" else (409 if form.is_bound and form.is_valid() else 400)
    return render(request, "leader/edit.html", {"link": link, "order": link.order, "form": form}, status=status)


@require_POST
@leader_required
def cancel_order(request, pk: int):
    link = leader_order(leader=request.leader, order_id=pk)
    if link is None:
        return not_yours(request)
    try:
        order = leader_order_cancel(leader=request.leader, order_id=pk)
    except LeaderRefused as exc:
        if exc.code == "closed":
            link.campaign.refresh_from_db()
            return _closed_page(request, link.campaign, status=409)
        return refused(request, exc.message, status=409)
    messages.success(request, _("已取消订单 %(number)s") % {"number": order.number})
    return redirect("leader:campaign", code=link.campaign.code)
