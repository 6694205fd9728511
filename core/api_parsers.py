"""The API's JSON parser: DRF's, with a bound on nesting.

``json.loads`` raises ``RecursionError`` (not a ``ValueError``) on a body nested past Python's
recursion limit, ~1,000 levels in 2 KB, which DRF would let through as a 500; and a body a little
less deep parses, only to exhaust the stack later (serializers, the idempotency fingerprint).
Order bodies are a few levels deep, so anything past ``MAX_DEPTH`` is a parse error.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: Levels of objects and arrays a body may have (an order is four: body, lines, line, field).
MAX_DEPTH = 20


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON 嵌套层数过多（最多 %(n)d 层）") % {"n": MAX_DEPTH}) from exc
        if too_deep(data, MAX_DEPTH):
            raise ParseError(_("JSON 嵌套层数过多（最多 %(n)d 层）") % {"n": MAX_DEPTH})
        return data


def too_deep(value, limit: int) -> bool:
    """True when ``value`` nests objects/arrays more than ``limit`` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
