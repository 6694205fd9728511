"""Refusals the order services raise; the edges turn them into messages, 400s and 409s."""


class OrderActionRefused(Exception):
    """The action is not allowed for this order now. Nothing was changed."""

    code = "action_refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
