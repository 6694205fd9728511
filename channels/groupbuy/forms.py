"""The leader's order form: one household, a quantity per campaign item, a payment photo."""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels.services.leader_orders import MAX_UNITS_PER_LINE
from core.masking import normalize_phone
from orders.models import Order

MOBILE = re.compile(r"1\d{10}")
NAME_LIMIT = Order._meta.get_field("recipient_name").max_length
NOTE_LIMIT = 200


def quantity_field_name(item_id: int) -> str:
    return f"qty_{item_id}"


class QuantitiesForm(forms.Form):
    """A quantity (0 for none) for each offer; used alone to change an order's quantities."""

    def __init__(self, *args, offers, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.offers = offers
        for offer in offers:
            item = offer.item
            most = min(item.household_limit or MAX_UNITS_PER_LINE, MAX_UNITS_PER_LINE)
            self.fields[quantity_field_name(item.pk)] = forms.IntegerField(
                label=item.sku.name, min_value=0, max_value=most, initial=0, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": most}),
            )

    def quantities(self) -> dict[int, int]:
        return {
            offer.item.pk: self.cleaned_data.get(quantity_field_name(offer.item.pk)) or 0 for offer in self.offers
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(self.quantities().values()):
            raise forms.ValidationError(_("请至少选一件商品"), code="no_items")
        return cleaned

    def quantity_rows(self):
        """(offer, bound field) pairs, in the campaign's order, for the template."""
        return [(offer, self[quantity_field_name(offer.item.pk)]) for offer in self.offers]


class HouseholdForm(QuantitiesForm):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    name = forms.CharField(label=gettext_lazy("顾客姓名"), max_length=NAME_LIMIT)
    phone = forms.CharField(
        label=gettext_lazy("手机号"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=NOTE_LIMIT, required=False)
    photo = forms.FileField(
        label=gettext_lazy("付款截图"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        error_messages={"required": gettext_lazy("请上传付款截图")},
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("请填写顾客姓名"))
        return name

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"]).replace(" ", "").replace("-", "")
        if not MOBILE.fullmatch(phone):
            raise forms.ValidationError(_("请填写 11 位手机号"))
        return phone
