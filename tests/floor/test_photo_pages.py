"""Photo evidence from the phone and the pick page's small SKU pictures."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.floor.codes import jpeg_bytes
from tests.floor.conftest import FETCH, rid
from warehouse.models import FloorPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="photo.jpg", data=None):
    return SimpleUploadedFile(name, data or jpeg_bytes(Image.new("RGB", (1600, 1200), "orange")), "image/jpeg")


def test_a_pick_photo_is_kept_once_with_a_thumbnail(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 1)]])
    data = {"step": "pick", "wave": wave.pk, "request_id": rid()}

    first = hz_client.post(reverse("floor:photo"), {**data, "image": photo()}, **FETCH)
    again = hz_client.post(reverse("floor:photo"), {**data, "image": photo()}, **FETCH)

    assert first.status_code == again.status_code == 200
    kept = FloorPhoto.objects.get()
    assert (kept.step, kept.wave, kept.actor.username) == ("pick", wave, "picker_hz")
    assert first.json()["thumbnail"] == kept.thumbnail.url == again.json()["thumbnail"]


def test_an_order_photo_at_the_scale(released_wave, hz_client):
    _wave, (order,) = released_wave([[("F002", 1)]])
    response = hz_client.post(reverse("floor:photo"), {
        "step": "weigh", "order": order.number, "request_id": rid(), "image": photo()}, **FETCH)
    assert response.status_code == 200
    assert FloorPhoto.objects.get().order == order


def test_a_non_image_is_refused_in_chinese(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 1)]])
    response = hz_client.post(reverse("floor:photo"), {
        "step": "pick", "wave": wave.pk, "request_id": rid(),
        "image": SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a picture", "image/jpeg")}, **FETCH)
    assert response.status_code == 422 and "不是有效的图片" in response.json()["message"]
    assert not FloorPhoto.objects.exists()


def test_a_photo_for_another_warehouse_is_refused(released_wave, gz_client):
    wave, (order,) = released_wave([[("F002", 1)]])
    for subject in ({"wave": wave.pk}, {"order": order.number}):
        response = gz_client.post(reverse("floor:photo"), {
            "step": "pack", "request_id": rid(), "image": photo(), **subject}, **FETCH)
        assert response.status_code == 404
    assert not FloorPhoto.objects.exists()


def test_an_unknown_step_is_refused(released_wave, hz_client):
    wave, _orders = released_wave([[("F002", 1)]])
    response = hz_client.post(reverse("floor:photo"), {
        "step": "ship", "wave": wave.pk, "request_id": rid(), "image": photo()}, **FETCH)
    assert response.status_code == 400 and not FloorPhoto.objects.exists()


def test_the_sku_picture_is_served_small(sku_by_code, hz_client):
    sku = sku_by_code["F002"]
    sku.image.save("f002.jpg", io.BytesIO(jpeg_bytes(Image.new("RGB", (3000, 2000), "teal"), quality=95)))

    response = hz_client.get(reverse("floor:sku_image", args=[sku.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    small = Image.open(io.BytesIO(response.content))
    assert max(small.size) == 192 and len(response.content) < 10_000
    assert hz_client.get(reverse("floor:sku_image", args=[sku_by_code["F001"].pk])).status_code == 404
