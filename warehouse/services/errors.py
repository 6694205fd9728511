"""Refusals the floor services raise; the phone pages and admin show ``message`` to the person."""


class FloorRefused(Exception):
    """The floor action is not allowed now. Nothing was changed (a refused scan is recorded)."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, record=None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        #: The ``ScanRecord`` that keeps this refusal (wrong scans count against accuracy), if any.
        self.record = record
