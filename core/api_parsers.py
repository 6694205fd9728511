"""The API's JSON parser: DRF's, refusing what would fail later as a server error.

* Nesting: ``json.loads`` raises ``RecursionError`` (not a ``ValueError``) on a body nested past
  Python's recursion limit, ~1,000 levels in 2 KB, which DRF lets through as a 500; a body a
  little less deep parses, only to exhaust the stack later (serializers, the idempotency
  fingerprint). Order bodies are a few levels deep, so anything past ``MAX_DEPTH`` is refused.
* Lone surrogates (``"\\ud800"``): valid JSON, but no UTF-8 text, so the database cannot store them.
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
            raise ParseError(_too_deep()) from exc
        problem = json_problem(data, MAX_DEPTH)
        if problem:
            raise ParseError(problem)
        return data


def json_problem(value, limit: int) -> str:
    """Why ``value`` cannot be taken ("" when it can): nesting past ``limit`` levels, or text that
    is not valid Unicode. Walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return _("JSON 里有无效的字符（单独的代理项 \\ud800–\\udfff）")
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return _too_deep()
        stack.extend((child, depth + 1) for child in children)
    return ""


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep() -> str:
    return _("JSON 嵌套层数过多（最多 %(n)d 层）") % {"n": MAX_DEPTH}
