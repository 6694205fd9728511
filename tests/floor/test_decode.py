"""The server fallback for camera scanning: a frame in, the codes in it out; bad frames refused."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from tests.floor.codes import code128_image, jpeg_bytes, png_bytes, qr_image
from warehouse.barcodes import MAX_FRAME_BYTES, MAX_FRAME_PIXELS, FrameRefused, decode_frame

PACK_URL = "http://oms.example/floor/pack/SO20261122000123/"


def test_reads_a_qr_code_held_at_an_angle():
    found = decode_frame(jpeg_bytes(qr_image(PACK_URL, angle=12)))
    assert [item.text for item in found] == [PACK_URL]
    assert "QR" in found[0].format


def test_reads_a_waybill_code128():
    found = decode_frame(png_bytes(code128_image("SF1234567890123")))
    assert [item.text for item in found] == ["SF1234567890123"]


def test_a_frame_without_a_code_reads_nothing():
    assert decode_frame(jpeg_bytes(Image.new("RGB", (640, 480), "white"))) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "没有收到图像"),
        (b"%PDF-1.4 not an image at all", "图像无法读取"),
        (b"\xff" * (MAX_FRAME_BYTES + 1), "图像太大"),
    ],
)
def test_refuses_what_is_not_a_frame(data, message):
    with pytest.raises(FrameRefused) as refused:
        decode_frame(data)
    assert message in refused.value.message


def test_refuses_a_gif():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(buffer, "GIF")
    with pytest.raises(FrameRefused, match="JPEG"):
        decode_frame(buffer.getvalue())


def test_refuses_a_decompression_bomb_from_its_header():
    """A small PNG claiming a huge canvas is refused before a single pixel is expanded."""
    side = int(MAX_FRAME_PIXELS**0.5) + 100
    buffer = io.BytesIO()
    Image.new("1", (side, side), 1).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < MAX_FRAME_BYTES
    with pytest.raises(FrameRefused, match="像素太多"):
        decode_frame(buffer.getvalue())


@pytest.mark.django_db
def test_decode_endpoint_answers_the_codes(picker_client):
    response = picker_client.post(reverse("floor:decode"), jpeg_bytes(qr_image(PACK_URL)), content_type="image/jpeg")
    assert response.status_code == 200
    assert response.json()["codes"][0]["text"] == PACK_URL


@pytest.mark.django_db
def test_decode_endpoint_refuses_a_non_image_in_chinese(picker_client):
    response = picker_client.post(reverse("floor:decode"), b"hello", content_type="image/jpeg")
    assert response.status_code == 400
    assert response.json() == {"codes": [], "message": "图像无法读取"}


@pytest.mark.django_db
def test_decode_endpoint_refuses_an_oversized_body_unread(picker_client):
    response = picker_client.post(
        reverse("floor:decode"), b"\xff" * (MAX_FRAME_BYTES + 1), content_type="image/jpeg"
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_decode_endpoint_needs_a_login(client):
    response = client.post(reverse("floor:decode"), jpeg_bytes(qr_image(PACK_URL)), content_type="image/jpeg")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("floor:login"))


@pytest.mark.django_db
def test_decode_endpoint_only_takes_posts(picker_client):
    assert picker_client.get(reverse("floor:decode")).status_code == 405
