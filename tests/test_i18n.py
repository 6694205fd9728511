"""Chinese first, English available: the committed catalogue covers what people read."""

import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

CJK = re.compile(r"[\u4e00-\u9fff]")
OWN_APPS = ("inventory", "orders", "channels", "warehouse", "oms")
#: Texts whose English keeps Chinese on purpose (an example of the data to type).
CHINESE_ON_PURPOSE = {
    "Warehouse.provinces help", "RateZone.provinces help", "Carrier.name help", "Carrier.short_name help",
    "ProvinceRoute.provinces help", "CategoryRoute.category help",
}


def _model_texts():
    for config in apps.get_app_configs():
        if config.name not in OWN_APPS:
            continue
        for model in config.get_models():
            yield f"{model.__name__} verbose_name", model._meta.verbose_name
            yield f"{model.__name__} verbose_name_plural", model._meta.verbose_name_plural
            for field in model._meta.get_fields():
                if hasattr(field, "verbose_name") and not field.auto_created:
                    yield f"{model.__name__}.{field.name}", field.verbose_name
                    if getattr(field, "help_text", ""):
                        yield f"{model.__name__}.{field.name} help", field.help_text
                for value, label in getattr(field, "flatchoices", None) or []:
                    yield f"{model.__name__}.{field.name}={value}", label


def test_every_model_label_and_choice_has_an_english_translation():
    with translation.override("en"):
        untranslated = [
            where for where, text in _model_texts() if CJK.search(str(text)) and where not in CHINESE_ON_PURPOSE
        ]
    assert untranslated == []


def test_the_same_labels_stay_chinese_by_default():
    from orders.states import OrderStatus

    assert translation.get_language() == "zh-hans"
    assert str(OrderStatus.PENDING_REVIEW.label) == "待审核"
    with translation.override("en"):
        assert str(OrderStatus.PENDING_REVIEW.label) == "Pending review"


@pytest.mark.django_db
def test_staff_can_switch_the_admin_to_english_and_back(ops_client):
    index = reverse("admin:index")
    assert "订单中台" in ops_client.get(index).content.decode()
    ops_client.post(reverse("set_language"), {"language": "en", "next": index})
    english = ops_client.get(index).content.decode()
    assert "Order Management System" in english and "订单中台" not in english
    ops_client.post(reverse("set_language"), {"language": "zh-hans", "next": index})
    assert "订单中台" in ops_client.get(index).content.decode()
