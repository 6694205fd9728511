"""Inbox admin: read-only list and page with the raw body, replay for supervisors only."""

import json

import pytest
from django.urls import reverse

from channels.connectors import get_connector
from channels.connectors.taobao import adapter as taobao_adapter
from channels.models import InboxMessage, InboxStatus
from channels.services.inbox import inbox_process, inbox_receive
from orders.models import Order

LIST = reverse("admin:channels_inboxmessage_changelist")


def page(message) -> str:
    return reverse("admin:channels_inboxmessage_change", args=[message.pk])


def replay_url(message) -> str:
    return reverse("admin:channels_inboxmessage_replay", args=[message.pk])


def msgs(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def receive(channel, external_id="7001", body=None) -> InboxMessage:
    payload = get_connector("taobao").sample_payload(external_id=external_id, lines=[("A001", 1, "19.90")],
                                                     name="王小明", phone="13912345678")
    text = body if body is not None else json.dumps(payload, ensure_ascii=False)
    return inbox_process(inbox_receive(channel=channel, body=text, source="webhook").pk)


@pytest.fixture
def failed(stocked, taobao_channel, monkeypatch):
    """A message that failed because of an adapter bug, since fixed."""
    monkeypatch.setattr(taobao_adapter.TaobaoConnector, "parse", lambda self, payload, channel_code: 1 / 0)
    message = receive(taobao_channel)
    monkeypatch.undo()
    assert message.status == InboxStatus.FAILED
    return message


@pytest.mark.parametrize("who", ["ops_client", "supervisor_client"])
def test_staff_see_the_list_and_the_page(request, who, failed, taobao_channel):
    client = request.getfixturevalue(who)
    receive(taobao_channel, "7002")

    listing = client.get(LIST)
    filtered = client.get(LIST, {"status__exact": "failed"})
    searched = client.get(LIST, {"q": "7002"})
    detail = client.get(page(failed))

    assert listing.status_code == 200 and len(listing.context["cl"].result_list) == 2
    assert [m.pk for m in filtered.context["cl"].result_list] == [failed.pk]
    assert [m.external_id for m in searched.context["cl"].result_list] == ["7002"]
    assert "ZeroDivisionError" in listing.content.decode()
    text = detail.content.decode()
    assert detail.status_code == 200 and "&quot;tid_str&quot;: &quot;7001&quot;" in text  # pretty-printed, escaped
    assert "<textarea" not in text and 'name="_save"' not in text  # read-only


def test_ops_see_the_body_with_phones_masked_supervisors_in_full(ops_client, supervisor_client, failed):
    assert "13912345678" not in ops_client.get(page(failed)).content.decode()
    assert "139****5678" in ops_client.get(page(failed)).content.decode()
    assert "13912345678" in supervisor_client.get(page(failed)).content.decode()


def test_ops_cannot_replay(ops_client, failed):
    assert "重新处理" not in ops_client.get(page(failed)).content.decode()
    assert ops_client.post(replay_url(failed)).status_code == 403
    response = ops_client.post(LIST, {"action": "replay_messages", "_selected_action": [failed.pk]}, follow=True)
    assert response.status_code == 200
    assert InboxMessage.objects.get(pk=failed.pk).status == InboxStatus.FAILED and not Order.objects.exists()


def test_supervisor_replays_the_failed_message_and_the_order_is_created(supervisor_client, failed):
    assert "重新处理" in supervisor_client.get(page(failed)).content.decode()

    response = supervisor_client.post(replay_url(failed), follow=True)

    message = InboxMessage.objects.get(pk=failed.pk)
    assert message.status == InboxStatus.PROCESSED and message.attempts == 2 and message.error == ""
    order = Order.objects.get()
    assert message.order == order
    assert any(f"消息 #{failed.pk} 已重新处理" in m for m in msgs(response))

    # Once more: refused, nothing new.
    again = supervisor_client.post(LIST, {"action": "replay_messages", "_selected_action": [failed.pk]}, follow=True)
    assert any("只有失败或已忽略" in m for m in msgs(again))
    assert Order.objects.count() == 1 and InboxMessage.objects.get(pk=failed.pk).attempts == 2


def test_replay_of_a_still_broken_body_reports_the_failure(supervisor_client, taobao_channel, stocked):
    broken = receive(taobao_channel, body="{not json")

    response = supervisor_client.post(LIST, {"action": "replay_messages", "_selected_action": [broken.pk]}, follow=True)

    assert any("仍失败" in m for m in msgs(response))
    assert InboxMessage.objects.get(pk=broken.pk).attempts == 2 and not Order.objects.exists()


def test_replay_needs_post(supervisor_client, failed):
    assert supervisor_client.get(replay_url(failed)).status_code == 405


def test_nobody_adds_or_edits_messages(supervisor_client, failed):
    assert supervisor_client.get(reverse("admin:channels_inboxmessage_add")).status_code == 403
    response = supervisor_client.post(page(failed), {"body": "{}"})
    assert response.status_code == 403
    assert InboxMessage.objects.get(pk=failed.pk).body == failed.body


def test_pickers_cannot_see_the_inbox(picker_client, failed):
    assert picker_client.get(LIST).status_code in (302, 403)
