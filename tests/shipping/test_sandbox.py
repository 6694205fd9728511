"""The sandbox adapter: well-formed numbers per carrier, the same waybill for the same reference."""

import re

import pytest

from core.masking import is_privacy_phone
from warehouse.carriers.adapters import WaybillError, WaybillRequest, adapter_for
from warehouse.carriers.sandbox import SandboxAdapter
from warehouse.models.carriers import AdapterKind

SHAPES = {
    "SF": r"SF\d{13}",
    "JD": r"JD[0-9A-Z]{13,}",
    "YTO": r"YT\d{13}",
    "JT": r"JT\d{13}",
    "ZTO": r"[57]\d{11,14}",
    "YUNDA": r"\d{13}|\d{15}",
    "STO": r"\d{12,13}",
    "EMS": r"\d{13}|[A-Z]{2}\d{9}CN",
}


def request(carrier="SF", reference="SO20261122000123-0", **overrides):
    fields = dict(
        carrier_code=carrier, service_name="标快", reference=reference, order_number=reference.split("-")[0],
        province="浙江省", city="杭州市", district="西湖区", street="文三路 90 号", weight_g=1200,
    )
    return WaybillRequest(**{**fields, **overrides})


@pytest.mark.parametrize("carrier", sorted(SHAPES))
def test_numbers_have_each_carriers_shape(carrier):
    numbers = {SandboxAdapter().issue(request(carrier, f"SO2026112200{i:04d}-0")).number for i in range(50)}

    assert len(numbers) == 50
    assert all(re.fullmatch(SHAPES[carrier], number) for number in numbers), numbers


def test_the_same_reference_gets_the_same_waybill_and_a_new_reference_a_new_one():
    first = SandboxAdapter().issue(request())

    assert SandboxAdapter().issue(request()) == first
    assert SandboxAdapter().issue(request(reference="SO20261122000123-1")).number != first.number


def test_sort_code_and_hub_follow_the_destination():
    hangzhou = SandboxAdapter().issue(request())
    urumqi = SandboxAdapter().issue(request(province="新疆维吾尔自治区", city="乌鲁木齐市", district="天山区"))

    assert re.fullmatch(r"310 [A-Z]\d{2}-\d{2} \d{3}", hangzhou.sort_code)
    assert hangzhou.hub == "杭州转运中心"
    assert urumqi.sort_code.startswith("830 ") and urumqi.hub == "乌鲁木齐转运中心"


def test_an_unknown_province_is_refused():
    with pytest.raises(WaybillError, match="无法识别收件省份"):
        SandboxAdapter().issue(request(province="Nevada"))


def test_adapter_registry():
    assert isinstance(adapter_for(AdapterKind.SANDBOX), SandboxAdapter)
    with pytest.raises(WaybillError):
        adapter_for("sf-fengqiao")


@pytest.mark.parametrize(
    "phone, privacy",
    [
        ("13812341234", False),
        ("139****1234", True),
        ("17098765432-5678", True),
        ("17098765432转5678", True),
        ("0571-88886666", False),
        ("", False),
    ],
)
def test_privacy_numbers_are_recognised(phone, privacy):
    assert is_privacy_phone(phone) is privacy
