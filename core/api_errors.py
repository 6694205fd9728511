"""The API's edge conventions, shared by every app's ``api`` module.

Every error is JSON ``{"code": ..., "message": ..., "errors": {...}}``: ``code`` is stable for
programs, ``message`` is for people in the request's language, and ``errors`` (field errors only)
maps a field path such as ``lines[1].quantity`` to a list of messages. Edge code only: nothing here
calls a service.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """An error with our own code and message, optional field ``errors`` and extra body keys."""

    status_code = 400
    default_code = "invalid"
    default_detail = _("请求有误")

    def __init__(self, message=None, *, code=None, status=None, errors=None, extra=None):
        super().__init__(detail=message or self.default_detail, code=code or self.default_code)
        if status is not None:
            self.status_code = status
        self.errors = errors
        self.extra = extra or {}


class Conflict(ApiError):
    status_code = 409
    default_code = "conflict"
    default_detail = _("请求与当前数据冲突")


class NotFound(ApiError):
    status_code = 404
    default_code = "not_found"
    default_detail = _("未找到")


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (for the OpenAPI schema)."""

    code = serializers.CharField(
        help_text=_("给程序判断用的错误码，如 invalid、not_found、permission_denied")
    )
    message = serializers.CharField(help_text=_("给人看的说明，按请求语言翻译"))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("字段错误：字段路径 → 错误信息列表"),
    )


#: Answers any operation may give besides its own (for the OpenAPI schema): a malformed request
#: (a NUL character, see core.middleware), a body over the size limit, too many requests.
COMMON_ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=_("请求有误（如参数或请求头含 NUL 字符），未写入任何数据")),
    413: OpenApiResponse(ErrorSerializer, description=_("请求体超过大小上限")),
    429: OpenApiResponse(ErrorSerializer, description=_("请求过于频繁（限流），请按 Retry-After 头稍后重试")),
}


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions, reads included: GET needs ``view_<model>``, POST ``add_<model>``.

    The model is the view's ``queryset`` model; an anonymous request gets 401, a user without the
    permission 403.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not hasattr(view, request.method.lower()):
            # A method the view does not have: let the view answer 405, not 403.
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"recipient.phone": [...], "lines[1].quantity": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                path = prefix or key
            elif isinstance(key, int):  # a list serializer's errors are keyed by item index
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in flatten_errors(value, path).items():
                flat.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for i, value in enumerate(detail):
            if value:
                flat.update(flatten_errors(value, f"{prefix}[{i}]"))
    else:
        items = detail if isinstance(detail, list) else [detail]
        flat[prefix or api_settings.NON_FIELD_ERRORS_KEY] = [str(item) for item in items]
    return flat


def exception_handler(exc, context):
    """DRF's handler, with every error body rewritten to ``{"code", "message", "errors"?}``."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        body = {"code": exc.detail.code, "message": str(exc.detail)}
        if exc.errors:
            body["errors"] = {
                path: [str(m) for m in ([messages] if isinstance(messages, str) else messages)]
                for path, messages in exc.errors.items()
            }
        body.update(exc.extra)
    elif isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": str(_("提交的数据有误，请按 errors 修改后重试")),
            "errors": flatten_errors(exc.detail),
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        body = {
            "code": getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
            "message": str(detail),
        }
    response.data = body
    return response
