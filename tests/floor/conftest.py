"""The floor's phone pages are tested on the same small warehouse as the floor services."""

import itertools

import pytest
from django.test import Client

FETCH = {"HTTP_X_FLOOR_FETCH": "1"}
_ids = itertools.count(1)


def rid() -> str:
    """A fresh client request id, as the page's script makes one per scan."""
    return f"test-request-{next(_ids):08d}"


@pytest.fixture
def hz_client(picker_hz):
    client = Client()
    client.force_login(picker_hz)
    return client


@pytest.fixture
def gz_client(picker_gz):
    client = Client()
    client.force_login(picker_gz)
    return client
