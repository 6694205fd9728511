"""Forms of the floor admin pages; each one only parses input for a service."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from inventory.models import Warehouse
from warehouse.models import FloorMember


class BuildForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("仓库"), queryset=Warehouse.objects.none())
    max_orders = forms.IntegerField(label=_("每波次最多订单数"), min_value=1, max_value=1000, required=False,
                                    help_text=_("留空则用仓库设置"))
    max_units = forms.IntegerField(label=_("每波次最多件数"), min_value=1, max_value=10000, required=False,
                                   help_text=_("留空则用仓库设置"))
    ship_by = forms.DateTimeField(label=_("承诺发货时间早于"), required=False,
                                  help_text=_("只放入这之前要发货的订单（以及没有承诺时间的），如 2026-11-22 17:00"))

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = warehouses


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("拣货员"), queryset=get_user_model().objects.none(), required=False,
        help_text=_("留空则由该仓任一拣货员领取"),
    )

    def __init__(self, *args, warehouse_ids, **kwargs):
        super().__init__(*args, **kwargs)
        members = FloorMember.objects.filter(warehouse_id__in=warehouse_ids).values("user_id")
        self.fields["assignee"].queryset = get_user_model().objects.filter(pk__in=members, is_active=True)


class CancelForm(forms.Form):
    note = forms.CharField(label=_("取消原因"), max_length=200, widget=forms.TextInput(attrs={"size": 60}))


class OverrideForm(forms.Form):
    reason = forms.CharField(label=_("放行原因"), max_length=200, widget=forms.TextInput(attrs={"size": 60}),
                             help_text=_("如：已开箱核对，赠品未录入重量"))
