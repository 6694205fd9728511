"""Refusals of the carrier services; the edges show ``message`` and change nothing."""


class ShippingRefused(Exception):
    code = "shipping_refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
