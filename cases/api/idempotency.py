"""Idempotency-Key: a retried public request gets the first answer, never a second case.

- The key is optional, 1..200 printable ASCII characters, and scoped to one endpoint.
- A request is identified by a fingerprint: SHA-256 over a canonical form of it (method, path,
  fields sorted by name, each file's name and SHA-256), so field order does not matter.
- Only successful (2xx) answers are stored, in the same transaction as the command's writes,
  so both exist or neither does. Failures are not stored: a corrected retry with the same key
  can still succeed.
- The same key with the same request gets the stored status and body, marked with
  "Idempotent-Replayed: true", and nothing runs again. The same key with a different request
  is refused with 422 and nothing runs.
- The key's row is inserted before the command runs. A concurrent request with the same key
  then waits on the unique index until the first commits, fails to insert, and replays the
  first answer; it never runs the command.
- The stored body holds the new case's tracking token, which the product otherwise keeps only
  as a hash. It is stored encrypted (AES-GCM) with a key derived from SECRET_KEY and the request
  itself, so the table alone gives no token away; only the identical request can open it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from cases.evidence import MAX_EVIDENCE_BYTES
from cases.models import IdempotencyRecord

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200
KEY_PATTERN = r"^[ -~]{1,200}$"  # printable ASCII

_KEY = re.compile(KEY_PATTERN)
_UNANSWERED = 0  # response_status of a row whose request is still running (never committed)


class IdempotencyKeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("The Idempotency-Key header must be 1 to 200 printable ASCII characters.")


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    )


class IdempotencyKeyInProgress(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = _("A request with this Idempotency-Key is in progress. Retry it in a moment.")


class IdempotentAnswerLost(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_answer_lost"
    default_detail = _(
        "The answer to the first request with this Idempotency-Key can no longer be read. "
        "Check whether that request succeeded before sending it again with a new key."
    )


def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, None without one; IdempotencyKeyInvalid if malformed."""
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):  # not `match`: its "$" would let a trailing newline through
        raise IdempotencyKeyInvalid()
    return key


def respond_idempotently(request: Request, *, scope: str, handle: Callable[[], Response]) -> Response:
    """Answer `request` with `handle()`, or with the stored answer to the same request and key."""
    key = idempotency_key(request)
    if key is None:
        return handle()
    canonical = canonical_request(request)
    fingerprint = hashlib.sha256(canonical).hexdigest()
    seal = _Seal(scope=scope, key=key, canonical=canonical)
    stored = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if stored is not None:
        return _replay(stored, fingerprint=fingerprint, seal=seal)
    reserved = False
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                scope=scope, key=key, request_fingerprint=fingerprint, response_status=_UNANSWERED, response_body={}
            )
            reserved = True
            response = handle()
            if not status.is_success(response.status_code):
                transaction.set_rollback(True)  # failures are not kept: the key stays free
                return response
            record.response_status = response.status_code
            record.response_body = seal.close(response.data)
            record.save(update_fields=["response_status", "response_body"])
            return response
    except IntegrityError:
        if reserved:
            raise  # from the command, not from our key
    # Another request with this key committed first while we waited on the unique index.
    stored = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if stored is None or stored.response_status == _UNANSWERED:
        raise IdempotencyKeyInProgress()
    return _replay(stored, fingerprint=fingerprint, seal=seal)


Handler = TypeVar("Handler", bound=Callable[..., Response])


def idempotent(scope: str) -> Callable[[Handler], Handler]:
    """Decorate a view method so that it answers through `respond_idempotently` in `scope`."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def run(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            return respond_idempotently(request, scope=scope, handle=lambda: handler(view, request, *args, **kwargs))

        return run  # type: ignore[return-value]

    return decorate


def canonical_request(request: Request) -> bytes:
    """The request as bytes that do not depend on field order or encoding details."""
    data = request.data
    if isinstance(data, QueryDict):
        fields: Any = {
            name: [value for value in values if not isinstance(value, UploadedFile)] for name, values in data.lists()
        }
        fields = {name: values for name, values in fields.items() if values}
    else:
        fields = data
    files = {
        name: [[upload.name, _file_digest(upload)] for upload in uploads] for name, uploads in request.FILES.lists()
    }
    form = {"method": request.method, "path": request.path, "fields": fields, "files": files}
    text = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    # JSON may carry lone surrogates ("\ud800"), which strict UTF-8 cannot encode. Such a request
    # is refused later (or the field ignored), but it must still have a fingerprint; every other
    # text encodes as before, so fingerprints already stored stay valid.
    return text.encode("utf-8", "surrogatepass")


def _file_digest(upload: UploadedFile) -> str:
    if upload.size is not None and upload.size > MAX_EVIDENCE_BYTES:
        # Refused by the command, so never stored: no need to read it all to tell it apart.
        return f"oversize:{upload.size}"
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _replay(stored: IdempotencyRecord, *, fingerprint: str, seal: _Seal) -> Response:
    if not hmac.compare_digest(stored.request_fingerprint, fingerprint):
        raise IdempotencyKeyReused()
    body = seal.open(stored.response_body)
    if body is None:
        raise IdempotentAnswerLost()  # SECRET_KEY changed since it was stored
    return Response(body, status=stored.response_status, headers={REPLAYED_HEADER: "true"})


class _Seal:
    """Encrypts a stored answer (AES-256-GCM) under a key only the identical request can
    derive: an HMAC of SECRET_KEY over scope, key and the canonical request."""

    _SALT = "cases.api.idempotency.seal"

    def __init__(self, *, scope: str, key: str, canonical: bytes) -> None:
        material = b"\0".join([scope.encode(), key.encode(), canonical])
        self._cipher = AESGCM(salted_hmac(self._SALT, material, algorithm="sha256").digest())

    def close(self, body: Any) -> dict[str, str]:
        plain = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        nonce = os.urandom(12)
        return {"sealed": base64.b64encode(nonce + self._cipher.encrypt(nonce, plain, None)).decode()}

    def open(self, stored: dict[str, Any]) -> Any | None:
        try:
            sealed = base64.b64decode(stored["sealed"])
            return json.loads(self._cipher.decrypt(sealed[:12], sealed[12:], None).decode())
        except (KeyError, TypeError, ValueError, InvalidTag):  # wrong key, damaged row, bad JSON
            return None
