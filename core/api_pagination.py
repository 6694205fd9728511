"""Cursor pagination for the API that answers bad paging input as the schema says: 400.

DRF's ``CursorPagination`` answers an undecodable cursor with a 404 the schema does not list,
lets a cursor whose position is not an id through to the database (a 500), and silently ignores a
``page_size`` it cannot read. Here each is a field error (``invalid``, ``errors.cursor`` or
``errors.page_size``). The position is the row id (every list here is ordered by ``id``).
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

_BIGINT = 2**63


class StrictCursorPagination(CursorPagination):
    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0
        if not 1 <= value <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [_("每页条数必须是 1 到 %(max)d 的整数") % {"max": self.max_page_size}]}
            )
        return value

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = False
        position = getattr(cursor, "position", None)
        if cursor is False or (position is not None and not _is_id(position)):
            raise ValidationError(
                {self.cursor_query_param: [_("翻页游标无效：请直接使用上一页返回的 next / previous 地址")]}
            )
        return cursor


def _is_id(position: str) -> bool:
    digits = position[1:] if position.startswith("-") else position
    return digits.isascii() and digits.isdigit() and -_BIGINT < int(position) < _BIGINT
