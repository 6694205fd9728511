"""SKU mapping: the mappings themselves, and the "待映射编码" page listing every platform code that
held orders wait on, with a form to map it. Saving a mapping (either way) re-runs the orders
held for that code (``channels.services.skus``)."""

import functools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.models import Channel, SkuMapping
from channels.selectors import unmapped_code_count, unmapped_codes
from channels.services.skus import (
    MappingInvalid,
    RelinkReport,
    mapping_offer,
    relink_waiting_orders,
    sku_mapping_check,
    sku_mapping_copy,
    sku_mapping_save,
)
from inventory.models import Sku
from orders.states import GiftKind

#: SKUs offered in the page's suggestion list (typing any code still works).
SUGGESTIONS = 2000


class SkuMappingForm(forms.ModelForm):
    class Meta:
        model = SkuMapping
        fields = ("channel", "external_code", "sku", "gift")
        help_texts = {"gift": gettext_lazy("赠品（不发货）不需要 SKU；赠品（随单发货）从所选 SKU 发货")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sku" in self.fields:
            self.fields["sku"].queryset = Sku.objects.filter(active=True)

    def clean_external_code(self):
        return (self.cleaned_data.get("external_code") or "").strip()

    def clean(self):
        data = super().clean()
        gift = data.get("gift") or GiftKind.NONE
        if gift == GiftKind.NOT_SHIPPED:
            data["sku"] = None  # a gift that is not shipped has no SKU, whatever was picked
        if data.get("external_code"):
            try:
                sku_mapping_check(
                    external_code=data["external_code"], sku_code=data["sku"].code if data.get("sku") else "", gift=gift
                )
            except MappingInvalid as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


class CopyMappingForm(forms.Form):
    """The offer after a mapping: the same code, the same SKU, in the shops ticked."""

    mapping = forms.ModelChoiceField(queryset=SkuMapping.objects.select_related("sku", "channel"))
    channels = forms.ModelMultipleChoiceField(
        queryset=Channel.objects.filter(active=True),
        error_messages={"required": gettext_lazy("请至少选择一个渠道")},
    )


class MapCodeForm(forms.Form):
    """One row of the unmapped-codes page."""

    channel = forms.ModelChoiceField(queryset=Channel.objects.all())
    external_code = forms.CharField(max_length=64)
    sku_code = forms.CharField(max_length=64, required=False)
    gift = forms.ChoiceField(choices=GiftKind.choices, required=False)


def target_label(sku_code: str, gift: str) -> str:
    """What a code was mapped to, for people: the SKU, a gift from the SKU, or a gift not shipped."""
    if gift == GiftKind.NOT_SHIPPED:
        return str(GiftKind.NOT_SHIPPED.label)
    if gift == GiftKind.SHIPPED:
        return _("%(sku)s（赠品）") % {"sku": sku_code}
    return sku_code


def report_messages(request, code: str, sku_code: str, report: RelinkReport | None, shop=None) -> None:
    """Tell the person what mapping ``code`` did to the orders waiting on it (in ``shop``, when
    the mapping was copied to several)."""

    def say(level, text: str) -> None:
        level(request, _("%(shop)s：%(text)s") % {"shop": shop, "text": text} if shop is not None else text)

    say(messages.success, _("已映射 %(code)s → %(sku)s") % {"code": code, "sku": sku_code})
    if report is None:
        return
    if report.released:
        say(
            messages.success,
            _("%(count)d 单已解除挂起并占用库存：%(numbers)s")
            % {"count": len(report.released), "numbers": "、".join(report.released[:20])},
        )
    for number, reason in report.held[:20]:
        say(messages.warning, _("订单 %(number)s 仍挂起：%(reason)s") % {"number": number, "reason": reason})
    for message in report.refused[:20]:
        say(messages.error, message)


@admin.register(SkuMapping)
class SkuMappingAdmin(admin.ModelAdmin):
    form = SkuMappingForm
    list_display = ("channel", "external_code", "sku", "gift", "sku_name", "created_at")
    list_filter = ("channel",)
    list_select_related = ("channel", "sku")
    search_fields = ("=external_code", "=sku__code")
    search_help_text = gettext_lazy("平台商品编码或我方 SKU 编码（完整）")
    autocomplete_fields = ("sku",)
    change_list_template = "admin/channels/skumapping/change_list.html"

    @admin.display(description=gettext_lazy("商品名称"))
    def sku_name(self, mapping):
        return mapping.sku.name if mapping.sku else "-"

    def save_model(self, request, obj, form, change):
        """Through the service; the admin saves inside its own transaction, so the held orders
        are re-run after it commits, each in its own transaction."""
        sku_code = obj.sku.code if obj.sku else ""
        mapping, _report = sku_mapping_save(
            channel=obj.channel,
            external_code=obj.external_code,
            sku_code=sku_code,
            gift=obj.gift,
            mapping=obj if change else None,
            relink=False,
            actor=request.user,
        )
        obj.pk, obj._state.adding, obj._state.db = mapping.pk, False, mapping._state.db
        label = target_label(sku_code, obj.gift)
        transaction.on_commit(functools.partial(self._relink, request, obj.channel, obj.external_code, label))

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        return self._offer_redirect(request, obj) or response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        return self._offer_redirect(request, obj) or response

    def _offer_redirect(self, request, mapping):
        """After a plain save, go where the same mapping is offered for the other shops (if any)."""
        if any(key in request.POST for key in ("_continue", "_addanother", "_saveasnew")):
            return None
        if not self.has_add_permission(request) or not mapping_offer(mapping):
            return None
        url = reverse("admin:channels_skumapping_unmapped", current_app=self.admin_site.name)
        return HttpResponseRedirect(f"{url}?offer={mapping.pk}")

    def _relink(self, request, channel, code, sku_code):
        report = relink_waiting_orders(channel=channel, codes=[code], actor=request.user)
        if report.released or report.held or report.refused:
            report_messages(request, code, sku_code, report)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "unmapped_count": unmapped_code_count()}
        return super().changelist_view(request, extra_context)

    # ---- the unmapped codes page ----

    def get_urls(self):
        own = [
            path("unmapped/", self.admin_site.admin_view(self.unmapped_view), name="channels_skumapping_unmapped"),
            path("unmapped/copy/", self.admin_site.admin_view(self.copy_view), name="channels_skumapping_copy"),
        ]
        return own + super().get_urls()

    def unmapped_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._map_code(request)
        channel_id = request.GET.get("channel")
        channel_id = int(channel_id) if channel_id and channel_id.isdigit() else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("待映射编码"),
            "opts": self.opts,
            "rows": unmapped_codes(channel_id=channel_id),
            "channels": Channel.objects.order_by("code"),
            "channel_id": channel_id,
            "can_map": self.has_add_permission(request),
            "offer": self._offer(request),
            "suggestions": Sku.objects.filter(active=True).order_by("code").values_list("code", "name")[:SUGGESTIONS],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/channels/skumapping/unmapped.html", context)

    def _map_code(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        back = reverse("admin:channels_skumapping_unmapped", current_app=self.admin_site.name)
        if request.GET.get("channel"):
            back += f"?channel={request.GET['channel']}" if request.GET["channel"].isdigit() else ""
        form = MapCodeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("表单不完整：请选择渠道并填写平台商品编码"))
            return HttpResponseRedirect(back)
        channel, code = form.cleaned_data["channel"], form.cleaned_data["external_code"].strip()
        exists = SkuMapping.objects.filter(channel=channel, external_code=code).exists()
        if not (self.has_change_permission(request) if exists else self.has_add_permission(request)):
            raise PermissionDenied
        sku_code, gift = form.cleaned_data["sku_code"].strip(), form.cleaned_data.get("gift") or GiftKind.NONE
        try:
            _mapping, report = sku_mapping_save(
                channel=channel, external_code=code, sku_code=sku_code, gift=gift, actor=request.user
            )
        except MappingInvalid as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        report_messages(request, code, target_label(sku_code, gift), report)
        if self.has_add_permission(request) and mapping_offer(_mapping):
            back += ("&" if "?" in back else "?") + f"offer={_mapping.pk}"
        return HttpResponseRedirect(back)

    def _offer(self, request) -> dict | None:
        """After a mapping: the other shops that could take the same one (``mapping_offer``)."""
        pk = request.GET.get("offer", "")
        if not pk.isdigit() or not self.has_add_permission(request):
            return None
        mapping = SkuMapping.objects.select_related("sku", "channel").filter(pk=int(pk)).first()
        shops = mapping_offer(mapping) if mapping else []
        if not shops:
            return None
        return {"mapping": mapping, "shops": shops, "label": target_label(mapping.sku.code if mapping.sku else "", mapping.gift)}

    def copy_view(self, request):
        """Apply the mapping just made to the same code in the shops ticked, re-running their held orders."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:channels_skumapping_unmapped", current_app=self.admin_site.name))
        if not self.has_add_permission(request):
            raise PermissionDenied
        back = reverse("admin:channels_skumapping_unmapped", current_app=self.admin_site.name)
        form = CopyMappingForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return HttpResponseRedirect(back)
        mapping = form.cleaned_data["mapping"]
        try:
            reports = sku_mapping_copy(
                mapping=mapping, channel_ids=[c.pk for c in form.cleaned_data["channels"]], actor=request.user
            )
        except MappingInvalid as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(back)
        label = target_label(mapping.sku.code if mapping.sku else "", mapping.gift)
        for shop, report in reports.items():
            report_messages(request, mapping.external_code, label, report, shop=shop)
        return HttpResponseRedirect(back)
