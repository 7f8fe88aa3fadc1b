"""Why an upload was refused. Messages are named constants so forms and tests can assert on them."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

TOO_LARGE = "too_large"
EMPTY = "empty"
TYPE_NOT_ALLOWED = "type_not_allowed"

MSG_TOO_LARGE = _("“%(name)s” is larger than %(limit_mb)d MB.")
MSG_EMPTY = _("“%(name)s” is empty.")
MSG_TYPE_NOT_ALLOWED = _(
    "“%(name)s” is not a kind of file we accept. Send a picture (PNG, JPEG, GIF, WebP), "
    "a video (MP4, MOV, M4V, WebM, MKV), a recording (MP3, WAV, OGG, FLAC, M4A) or a PDF."
)


def _interpolate(template: Promise, params: dict[str, Any]) -> str:
    return str(template) % params


# Interpolating a lazy string with % would translate it at once, in whatever language is active
# when the upload is checked; this keeps it lazy until it is shown.
_lazy_interpolate = lazy(_interpolate, str)


class EvidenceRejected(Exception):
    """An upload that cannot be kept as evidence.

    `code` is one of TOO_LARGE, EMPTY, TYPE_NOT_ALLOWED; `message` is a lazy translatable text that
    names the file; `template` and `params` are its parts, for a ValidationError(template, code, params).
    """

    def __init__(self, code: str, template: Promise, params: dict[str, Any]) -> None:
        self.code = code
        self.template = template
        self.params = params
        self.message = _lazy_interpolate(template, params)
        super().__init__(str(self.message))
