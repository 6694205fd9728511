"""The documentation's examples run as printed against the demo (``make run``): the shop, the SKUs
and the address they name exist in the demo data."""

import json
import random
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from oms.demo.build import build_catalogue
from oms.demo.catalog import CHANNELS
from oms.roles import API_INTEGRATOR_PERMISSIONS, permission_ids

DOCS = Path(__file__).resolve().parents[2] / "docs"


def curl_body(text: str) -> dict:
    """The JSON of the first ``curl … -d '{…}'`` in ``text``."""
    match = re.search(r"-d '(\{.*?\})'", text, re.S)
    assert match, "no curl -d example"
    return json.loads(match.group(1))


@pytest.fixture
def demo(db):
    return build_catalogue(rng=random.Random(7))


def test_the_api_intake_example_takes_an_order_in_the_demo(demo):
    text = (DOCS / "API.md").read_text()
    body = curl_body(text)
    assert "http://127.0.0.1:8000/api/v1/orders" in text
    user = User.objects.create_user("demo-erp")
    user.user_permissions.set(list(permission_ids(API_INTEGRATOR_PERMISSIONS).values()))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    response = api.post("/api/v1/orders", body, format="json")

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "pending_review" and order["hold_reason"] == "", order
    listed = api.get("/api/v1/orders", {"channel": body["channel"]}).json()["results"]
    assert [o["number"] for o in listed] == [order["number"]]


def test_every_channel_the_docs_name_exists_in_the_demo():
    codes = {code for code, *_rest in CHANNELS}
    named = set()
    for page in ("API.md", "CHANNELS.md"):
        text = (DOCS / page).read_text()
        named |= set(re.findall(r'"channel": "([\w-]+)"', text))
        named |= set(re.findall(r"channel=([\w-]+)", text))
        named |= set(re.findall(r"/channels/([\w-]+)/webhook", text))
    named -= {"code", "渠道编码"}  # placeholders in prose, not examples
    assert named and named <= codes, named - codes
