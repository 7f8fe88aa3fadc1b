"""Conditional requests on the staff API: a case's version is its strong ETag.

- Every answer about one case carries `ETag: "<version>"`.
- A read with `If-None-Match` naming the current version is answered 304, without a body.
- Every write to a case needs `If-Match: "<version>"`: the version the client last read. Without
  it the write is refused with 428, so that no client overwrites a change it never saw.
- A stale version is answered 412 with the current version and its ETag. Only here: the public
  API reports the same conflict as 409, as it always has.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from cases.api.errors import exception_handler
from cases.errors import ConcurrencyConflict

MSG_IF_MATCH_REQUIRED = _(
    'Send the version of the case you last read in an If-Match header, as the ETag gave it (e.g. If-Match: "4").'
)
MSG_IF_MATCH_INVALID = _('The If-Match header must be one ETag of this API, e.g. "4".')

# A version as an ETag: a strong one, the number in quotes. Ten digits are more versions than
# a case will ever have.
_ETAG = re.compile(r'^"([0-9]{1,10})"$')


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = MSG_IF_MATCH_REQUIRED


class IfMatchInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "if_match_invalid"
    default_detail = MSG_IF_MATCH_INVALID


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int:
    """The version named by the request's If-Match header. A write without one is refused; so
    is "*" or a list, which would let a client change a case it has not read."""
    header = request.headers.get("If-Match")
    if header is None or not header.strip():
        raise PreconditionRequired()
    found = _ETAG.match(header.strip())
    if found is None:
        raise IfMatchInvalid()
    return int(found.group(1))


def not_modified(request: Request, version: int) -> bool:
    """Whether If-None-Match names the current version (compared weakly, as RFC 9110 says)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag(version) in tags


def tagged(response: Response, version: int) -> Response:
    response["ETag"] = etag(version)
    return response


def not_modified_response(version: int) -> Response:
    return tagged(Response(status=status.HTTP_304_NOT_MODIFIED), version)


def staff_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The API's one mapping of errors, except that a stale version is a failed precondition."""
    if isinstance(exc, ConcurrencyConflict):
        body = {
            "detail": str(exc),
            "code": "stale",
            "current_version": exc.current_version,
        }
        return tagged(Response(body, status=status.HTTP_412_PRECONDITION_FAILED), exc.current_version)
    return exception_handler(exc, context)
