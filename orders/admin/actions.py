"""Order actions for ops staff: approve, hold, release a hold, cancel.

Each one is a thin edge over one ``orders.services`` function. The same ``OrderAction`` serves the
changelist's bulk action and the button on the order page; each order is handled in its own
service call, and each is reported: success, or the service's refusal message (a refused order is
left exactly as it was).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.services import (
    OrderActionRefused,
    order_approve,
    order_cancel,
    order_change_address,
    order_clear_exception,
    order_hold,
    order_release_hold,
)
from orders.states import BEFORE_PACKING, SYSTEM_HOLDS, HoldReason

#: A bulk action touches at most this many orders at once.
MAX_BATCH = 500
#: Refusals listed one by one before the rest are summed up.
MAX_REFUSAL_MESSAGES = 20


class HoldForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("挂起原因"),
        choices=[(value, label) for value, label in HoldReason.choices if value not in SYSTEM_HOLDS],
        initial=HoldReason.MANUAL,
    )
    note = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("人工挂起必须填写说明"),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == HoldReason.MANUAL and not (data.get("note") or "").strip():
            self.add_error("note", _("人工挂起请填写说明"))
        return data


class CancelForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("取消原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("记录在订单日志里"),
    )


class ClearExceptionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("处理说明"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("怎样处理的（已联系买家、已拦截快递……），记录在订单日志里"),
        error_messages={"required": gettext_lazy("请填写处理说明")},
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(_("请填写处理说明"))
        return note


ADDRESS_FORM_FIELDS = ("recipient_name", "phone", "province", "city", "district", "street")


class AddressForm(forms.Form):
    """Only the parts typed in change; blank ones keep their value (so no full address or phone
    has to be shown to staff without the PII right)."""

    recipient_name = forms.CharField(label=gettext_lazy("收货人"), max_length=100, required=False)
    phone = forms.CharField(label=gettext_lazy("手机"), max_length=32, required=False)
    province = forms.CharField(label=gettext_lazy("省"), max_length=32, required=False)
    city = forms.CharField(label=gettext_lazy("市"), max_length=32, required=False)
    district = forms.CharField(label=gettext_lazy("区/县"), max_length=32, required=False)
    street = forms.CharField(label=gettext_lazy("详细地址"), max_length=300, required=False)
    note = forms.CharField(
        label=gettext_lazy("说明"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), help_text=gettext_lazy("记录在订单日志里"),
    )

    def clean(self):
        data = super().clean()
        if not any((data.get(name) or "").strip() for name in ADDRESS_FORM_FIELDS):
            raise forms.ValidationError(_("请至少填写一项要修改的内容"))
        return data


def change_address(*, order, actor=None, expected_status: str | None = None, note: str = "", **fields):
    """The address form's edge over ``order_change_address``: blank fields keep their value."""
    address = {name: value.strip() for name, value in fields.items() if name in ADDRESS_FORM_FIELDS and value.strip()}
    return order_change_address(order=order, address=address, actor=actor, note=note, expected_status=expected_status)


@dataclass(frozen=True)
class OrderAction:
    name: str
    label: str
    #: ``ModelAdmin.has_<permission>_permission`` decides who may use it.
    permission: str
    #: The ``Order`` transition, to know whether the button applies to an order.
    transition: str
    service: Callable
    done: str
    form_class: type[forms.Form] | None = None
    #: Page heading and wording of the confirmation page (actions with a form only).
    intro: str = ""
    submit: str = ""
    danger: bool = False
    #: Whether the button applies to an order, for actions that are not an FSM transition.
    applies: Callable | None = None


ACTIONS = {
    action.name: action
    for action in (
        OrderAction(
            name="approve",
            label=gettext_lazy("审核通过"),
            permission="approve",
            transition="approve",
            service=order_approve,
            done=gettext_lazy("已审核"),
        ),
        OrderAction(
            name="hold",
            label=gettext_lazy("挂起"),
            permission="hold",
            transition="hold",
            service=order_hold,
            done=gettext_lazy("已挂起"),
            form_class=HoldForm,
            intro=gettext_lazy("挂起后订单暂停处理，直到解除挂起。请选择原因："),
            submit=gettext_lazy("确认挂起"),
        ),
        OrderAction(
            name="release",
            label=gettext_lazy("解除挂起"),
            permission="hold",
            transition="release_hold",
            service=order_release_hold,
            done=gettext_lazy("已解除挂起"),
        ),
        OrderAction(
            name="cancel",
            label=gettext_lazy("取消订单"),
            permission="cancel",
            transition="cancel",
            service=order_cancel,
            done=gettext_lazy("已取消"),
            form_class=CancelForm,
            intro=gettext_lazy("取消后订单占用的库存会全部释放，且不能恢复。确定取消以下订单吗？"),
            submit=gettext_lazy("确认取消"),
            danger=True,
        ),
        OrderAction(
            name="clear_exception",
            label=gettext_lazy("处理异常"),
            permission="resolve_exception",
            transition="",
            service=order_clear_exception,
            done=gettext_lazy("已处理异常"),
            form_class=ClearExceptionForm,
            intro=gettext_lazy("确认以下订单的异常已经处理，请写明怎样处理的："),
            submit=gettext_lazy("确认已处理"),
            applies=lambda order: bool(order.exception_reason),
        ),
        OrderAction(
            name="change_address",
            label=gettext_lazy("修改地址"),
            permission="change_address",
            transition="",
            service=change_address,
            done=gettext_lazy("已修改地址"),
            form_class=AddressForm,
            intro=gettext_lazy("打包前可以修改收货信息。只填写要改的项，留空的保持不变："),
            submit=gettext_lazy("确认修改"),
            applies=lambda order: order.status in BEFORE_PACKING,
        ),
    )
}


def _short_list(numbers: list[str], limit: int = 20) -> str:
    shown = "、".join(numbers[:limit])
    if len(numbers) > limit:
        shown += _(" 等 %(count)d 单") % {"count": len(numbers)}
    return shown


def _short_by_sku(short: dict[str, list]) -> list[str]:
    """One refusal per SKU still short: which orders wait on it, how many units they miss, what
    the closest warehouse has free."""
    lines = []
    for code, waiting in sorted(short.items()):
        numbers = [number for number, _item in waiting]
        units = sum(item.short for _number, item in waiting)
        closest = max((item for _number, item in waiting), key=lambda item: item.free)
        lines.append(
            _("%(code)s 库存不足：%(count)d 单仍挂起（共缺 %(units)d 件，%(warehouse)s可用 %(free)d）：%(numbers)s")
            % {
                "code": code,
                "count": len(numbers),
                "units": units,
                "warehouse": closest.warehouse,
                "free": closest.free,
                "numbers": _short_list(numbers),
            }
        )
    return lines


def run_action(request, action: OrderAction, orders, options: dict | None = None) -> tuple[int, int]:
    """Call the action's service once per order, as ``request.user``; report every outcome.

    ``orders`` are ``Order`` rows (only ``pk`` and ``number`` are used). Returns (done, refused).
    """
    done: list[str] = []
    refusals: list[str] = []
    short: dict[str, list] = {}
    for order in orders:
        try:
            action.service(order=order.pk, actor=request.user, **(options or {}))
        except OrderActionRefused as exc:
            hold = getattr(exc, "hold", None)
            if hold is not None and hold.short:
                # Still out of stock: told once per SKU below, not once per order.
                for item in hold.short:
                    short.setdefault(item.code, []).append((order.number, item))
                continue
            message = exc.message
            if order.number not in message:
                message = _("订单 %(number)s：%(message)s") % {"number": order.number, "message": message}
            refusals.append(message)
        else:
            done.append(order.number)
    refusals.extend(_short_by_sku(short))
    if done:
        messages.success(
            request,
            _("%(done)s %(count)d 单：%(numbers)s")
            % {"done": action.done, "count": len(done), "numbers": _short_list(done)},
        )
    for message in refusals[:MAX_REFUSAL_MESSAGES]:
        messages.error(request, message)
    if len(refusals) > MAX_REFUSAL_MESSAGES:
        messages.error(
            request, _("另有 %(count)d 条拒绝，未做任何修改") % {"count": len(refusals) - MAX_REFUSAL_MESSAGES}
        )
    return len(done), len(orders) - len(done)
