"""The dashboard's picker ranking: orders and items picked, accuracy and minutes per order, from
the floor's own scan records (``warehouse.ranking``), and its place on the admin home page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from warehouse.models import ScanRecord
from warehouse.ranking import picker_ranking
from warehouse.services import FloorRefused, pick_scan, pick_short

pytestmark = pytest.mark.django_db


def test_ranking_counts_orders_items_accuracy_and_minutes(released_wave, picker_hz, supervisor):
    wave, (first, second) = released_wave([[("F001", 2)], [("F002", 1), ("F003", 1)]])
    lines = list(wave.lines.select_related("sku").order_by("sequence"))
    by_code = {line.sku.code: line for line in lines}
    pick_scan(line=by_code["F002"], code="F002", actor=picker_hz)
    with pytest.raises(FloorRefused):
        pick_scan(line=by_code["F003"], code="F002", actor=picker_hz)  # a wrong item
    pick_scan(line=by_code["F003"], code="F003", actor=picker_hz)
    pick_short(line=by_code["F001"], found=1, reason="bin_empty", actor=picker_hz)
    # Three line finishes 2 and 4 minutes apart: 6 minutes of work.
    base = timezone.now() - timedelta(minutes=30)
    finishes = ScanRecord.objects.filter(step__in=("pick", "short"), ok=True).order_by("id")
    for record, minutes in zip(finishes, (0, 2, 6), strict=True):
        ScanRecord.objects.filter(pk=record.pk).update(at=base + timedelta(minutes=minutes))

    (row,) = picker_ranking()

    assert row.user == picker_hz and row.units == 2
    assert row.orders == 2  # the orders of the wave it picked
    assert (row.scans, row.wrong, row.short) == (3, 1, 1)
    assert row.accuracy == round(100 * (1 - 2 / 3), 2)
    assert row.minutes_per_order == 3.0  # 6 minutes ÷ 2 orders

    client = Client()
    client.force_login(supervisor)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="oms-ranking"' in page and "picker_hz" in page
