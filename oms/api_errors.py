"""JSON errors for the API: ``{"code": ..., "message": ..., "errors": {...}}``, message translated."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        response.data = {"code": getattr(detail["detail"], "code", code), "message": str(detail["detail"])}
    else:
        response.data = {"code": "invalid", "message": str(getattr(exc, "default_detail", "")), "errors": detail}
    return response
