"""Reading request bodies, and quoting them back, whatever a client sends.

Every API view reads JSON with `ApiJSONParser`: a body nested deeper than any request of this
API needs is refused as unreadable (400), before it can exhaust the interpreter's recursion
limit in the parser or anywhere that later walks or quotes it. Error answers go through
`encodable`, applied by the one exception handler, because a message may quote what was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MSG_TOO_DEEP = _("JSON parse error - the body is nested too deeply.")

# Levels of arrays and objects, the body itself being the first. The deepest body this API
# takes has three; a thousand would exhaust the recursion limit.
MAX_DEPTH = 32


class ApiJSONParser(JSONParser):
    """JSON nested too deeply is an unreadable body, not a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(MSG_TOO_DEEP) from exc
        if _deeper_than(data, MAX_DEPTH):
            raise ParseError(MSG_TOO_DEEP)
        return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than `limit` levels; without recursion, so that
    any depth the parser managed can be measured."""
    pending = [(data, 1)] if isinstance(data, (dict, list)) else []
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def encodable(value: Any) -> Any:
    """`value` with every lone surrogate replaced by "?": an error message may quote what was
    sent, and a lone surrogate (which JSON can carry as "\\ud800") cannot be encoded as UTF-8,
    so quoting it back would turn a 400 into a 500."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, Mapping):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encodable(item) for item in value]
    return value
