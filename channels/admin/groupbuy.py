"""Group-buy in admin: leaders and campaigns (plain editing by ops, with the campaign's items
inline), 截单 by hand, and each cutoff batch read-only with its purchase plan (Excel download),
demand and station split."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.groupbuy.excel import plan_filename, purchase_plan_xlsx
from channels.groupbuy.models import (
    Campaign,
    CampaignItem,
    CampaignOrder,
    CampaignStatus,
    CutoffBatch,
    CutoffDemand,
    GroupLeader,
    PurchaseLine,
    StationLine,
)
from channels.services.cutoff import campaign_close, cutoff_release_orders
from core.admin_mixins import ReadOnlyAdminMixin
from core.masking import mask_phone
from orders.admin.display import can_view_pii, local_time

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@admin.register(GroupLeader)
class GroupLeaderAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "phone_masked", "station", "active")
    list_filter = ("active", "station__region")
    list_select_related = ("user", "station")
    search_fields = ("name", "=user__username", "station__name")
    search_help_text = gettext_lazy("团长姓名、账号（完整）或站点名称")
    autocomplete_fields = ("user",)
    fields = ("user", "name", "phone", "station", "active")

    def get_list_display(self, request):
        if can_view_pii(request.user):
            return ("name", "user", "phone", "station", "active")
        return self.list_display

    @admin.display(description=gettext_lazy("手机"))
    def phone_masked(self, leader):
        return mask_phone(leader.phone)


class CampaignItemInline(admin.TabularInline):
    model = CampaignItem
    fields = ("position", "sku", "price", "household_limit", "total_limit", "pack_size")
    autocomplete_fields = ("sku",)
    extra = 3

    def has_change_permission(self, request, obj=None):
        # A closed campaign's offer is history: what the cutoff counted stays as it was.
        return super().has_change_permission(request, obj) and (obj is None or obj.status == CampaignStatus.OPEN)

    has_add_permission = has_delete_permission = has_change_permission


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ("code", "name", "channel", "starts_at", "cutoff_at", "commission_rate")

    def clean(self):
        cleaned = super().clean()
        starts, cutoff = cleaned.get("starts_at"), cleaned.get("cutoff_at")
        if starts and cutoff and cutoff <= starts:
            self.add_error("cutoff_at", _("截单时间必须晚于开团时间"))
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ("code", "name", "status", "starts_local", "cutoff_local", "commission_rate", "batch_link")
    list_filter = ("status",)
    search_fields = ("=code", "name")
    inlines = (CampaignItemInline,)
    actions = ("close_now",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == CampaignStatus.CLOSED:
            return ("code", "name", "channel", "starts_at", "cutoff_at", "commission_rate")
        return ()

    @admin.display(description=gettext_lazy("开团时间"), ordering="starts_at")
    def starts_local(self, campaign):
        return local_time(campaign.starts_at)

    @admin.display(description=gettext_lazy("截单时间"), ordering="cutoff_at")
    def cutoff_local(self, campaign):
        return local_time(campaign.cutoff_at)

    @admin.display(description=gettext_lazy("截单批次"))
    def batch_link(self, campaign):
        batch = CutoffBatch.objects.filter(campaign=campaign).first()
        if batch is None:
            return "—"
        url = reverse("admin:channels_cutoffbatch_change", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, _("采购计划与分货"))

    def has_close_permission(self, request):
        return request.user.has_perm("channels.close_campaign")

    @admin.action(description=gettext_lazy("立即截单"), permissions=["close"])
    def close_now(self, request, queryset):
        for campaign in queryset.order_by("cutoff_at"):
            was_open = campaign.status == CampaignStatus.OPEN
            batch = campaign_close(campaign=campaign, actor=request.user)
            if was_open:
                released = cutoff_release_orders(campaign_ids=[campaign.pk], actor=request.user, budget_s=20)
                messages.success(request, _("%(name)s 已截单：%(orders)d 单，%(approved)d 单转入待拣货") % {
                    "name": campaign.name, "orders": batch.order_count, "approved": released.approved})
            else:
                messages.info(request, _("%(name)s 之前已截单") % {"name": campaign.name})


class DemandInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CutoffDemand
    fields = ("sku", "quantity", "orders")
    readonly_fields = fields
    extra = 0


class PurchaseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PurchaseLine
    fields = ("warehouse", "sku", "demand", "reserved", "free", "shortfall", "pack_size", "packs", "quantity")
    readonly_fields = fields
    extra = 0


class StationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StationLine
    fields = ("station", "sku", "quantity", "households")
    readonly_fields = fields
    extra = 0
    #: Thousands of rows on a big day: the full split is in the Excel download.
    max_shown = 200

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("station", "sku")
        ids = list(queryset.order_by("station__region", "station__code", "sku__code").values_list("pk", flat=True)[
            : self.max_shown])
        return queryset.filter(pk__in=ids).order_by("station__region", "station__code", "sku__code")


@admin.register(CutoffBatch)
class CutoffBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "closed_local", "closed_by", "order_count", "unit_count", "amount", "released_at",
                    "download")
    list_select_related = ("campaign", "closed_by")
    fields = (("campaign", "closed_by"), ("order_count", "unit_count", "amount"), "released_at", "download")
    readonly_fields = ("campaign", "closed_by", "order_count", "unit_count", "amount", "released_at", "download")
    inlines = (PurchaseInline, DemandInline, StationInline)

    @admin.display(description=gettext_lazy("截单时间"), ordering="closed_at")
    def closed_local(self, batch):
        return local_time(batch.closed_at)

    @admin.display(description=gettext_lazy("采购计划"))
    def download(self, batch):
        url = reverse("admin:channels_cutoffbatch_plan", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载 Excel"))

    def get_urls(self):
        own = [path("<int:pk>/plan.xlsx", self.admin_site.admin_view(self.plan_view), name="channels_cutoffbatch_plan")]
        return own + super().get_urls()

    def plan_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(CutoffBatch.objects.select_related("campaign"), pk=pk)
        response = HttpResponse(purchase_plan_xlsx(batch), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{plan_filename(batch)}"'
        return response


@admin.register(CampaignOrder)
class CampaignOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each household order a leader entered, with its payment photo (served here to staff who
    may see these rows, never as a public media file)."""

    list_display = ("order", "leader", "campaign", "order_status", "created_local", "photo_link")
    list_filter = ("campaign", "leader__station__region")
    list_select_related = ("order", "leader", "campaign")
    search_fields = ("=order__number", "leader__name")
    search_help_text = gettext_lazy("订单号（完整）或团长姓名")
    fields = ("order", "leader", "campaign", "created_local", "photo_link")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("订单状态"))
    def order_status(self, link):
        return link.order.get_status_display()

    @admin.display(description=gettext_lazy("提交时间"), ordering="created_at")
    def created_local(self, link):
        return local_time(link.created_at)

    @admin.display(description=gettext_lazy("付款截图"))
    def photo_link(self, link):
        url = reverse("admin:channels_campaignorder_photo", args=[link.pk])
        return format_html('<a href="{}" target="_blank"><img src="{}?size=thumb" alt="" style="max-height:80px"></a>',
                           url, url)

    def get_urls(self):
        own = [path("<int:pk>/photo/", self.admin_site.admin_view(self.photo_view), name="channels_campaignorder_photo")]
        return own + super().get_urls()

    def photo_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        link = get_object_or_404(CampaignOrder, pk=pk)
        field = link.thumbnail if request.GET.get("size") == "thumb" else link.photo
        try:
            handle = default_storage.open(field.name, "rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(handle, content_type="image/jpeg")
