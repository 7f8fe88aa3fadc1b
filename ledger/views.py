"""The log's public face: its checkpoints with their history, proofs, and the public key.

Anyone may read these: a checkpoint and its proofs reveal hashes only. The latest checkpoint
is served as the signed note itself (text/plain), as transparency logs do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from cases.eventstore import Event
from ledger import tree
from ledger.documents import b64
from ledger.keys import signing_key
from ledger.models import Checkpoint, Leaf
from tracker.ratelimit import RateLimited, check_rate, client_address

PAGE_SIZE = 50
MAX_SIZE = 10**18  # beyond any log, and within a database's 64-bit integers
NOTE_TYPE = "text/plain; charset=utf-8"


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only, limited per client address, answering bad numbers with a 400."""

    @require_GET
    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            check_rate("ledger", client_address(request))
        except RateLimited as exc:
            response = _error(429, "throttled", "Too many requests; try again later.")
            response["Retry-After"] = str(max(exc.retry_after, 1))
            return response
        try:
            response = view(request, *args, **kwargs)
        except tree.TreeTooSmall as exc:
            return _error(400, "tree_size", str(exc))
        except LookupError:
            return _error(503, "tree_incomplete", "The stored tree is incomplete; the operator has been told.")
        response["Access-Control-Allow-Origin"] = "*"  # verifiers may run in any page
        return response

    return run


def _number(request: HttpRequest, name: str, *, required: bool = True) -> int | None:
    value = request.GET.get(name, "")
    if not value and not required:
        return None
    if not value.isdigit() or len(value) > 18:
        raise tree.TreeTooSmall(f"{name} must be a whole number of at most 18 digits")
    return int(value)


@_public
def checkpoint_latest(request: HttpRequest) -> HttpResponse:
    latest = Checkpoint.objects.order_by("-tree_size").first()
    if latest is None:
        return _error(404, "no_checkpoint", "No checkpoint has been signed yet.")
    return HttpResponse(latest.note, content_type=NOTE_TYPE)


@_public
def checkpoint_at(request: HttpRequest, size: int) -> HttpResponse:
    found = Checkpoint.objects.filter(tree_size=size).first() if size < MAX_SIZE else None
    if found is None:
        return _error(404, "no_checkpoint", "No checkpoint of this tree size.")
    return HttpResponse(found.note, content_type=NOTE_TYPE)


@_public
def checkpoint_history(request: HttpRequest) -> HttpResponse:
    """Every checkpoint, newest first, PAGE_SIZE at a time (?before=<tree size> for older)."""
    before = _number(request, "before", required=False)
    checkpoints = Checkpoint.objects.order_by("-tree_size")
    if before is not None:
        checkpoints = checkpoints.filter(tree_size__lt=before)
    page = list(checkpoints[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    older = f"{reverse('ledger:checkpoints')}?before={page[-1].tree_size}" if more else None
    return JsonResponse(
        {
            "checkpoints": [
                {
                    "tree_size": c.tree_size,
                    "root_hash": c.root_hash,
                    "created_at": c.created_at.isoformat(),
                    "note": c.note,
                    "url": reverse("ledger:checkpoint", kwargs={"size": c.tree_size}),
                }
                for c in page
            ],
            "next": request.build_absolute_uri(older) if older else None,
        }
    )


@_public
def public_key(request: HttpRequest) -> HttpResponse:
    """The verifier key, as signed-note verifiers take it: name+key id+base64 key."""
    return HttpResponse(signing_key().verifier_key() + "\n", content_type=NOTE_TYPE)


def _tree_size(request: HttpRequest, name: str = "tree_size") -> int:
    size = _number(request, name, required=False)
    if size is None:
        latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
        if latest is None:
            raise tree.TreeTooSmall("no checkpoint yet: give tree_size")
        return latest
    return size


@_public
def inclusion(request: HttpRequest) -> HttpResponse:
    """?leaf_index=I or ?event_hash=H, and optionally tree_size (default: the latest checkpoint's)."""
    size = _tree_size(request)
    event_hash = request.GET.get("event_hash", "").strip().lower()
    if event_hash:
        if len(event_hash) != 64 or any(c not in "0123456789abcdef" for c in event_hash):
            return _error(400, "event_hash", "event_hash is 64 hexadecimal digits.")
        leaf = Leaf.objects.filter(event_hash=event_hash).values_list("index", "position").first()
        # The event itself must still be there, and its content must still hash to it: the log
        # vouches for events, and a leaf whose event was removed or changed vouches for nothing.
        event = Event.objects.filter(position=leaf[1]).first() if leaf else None
        if event is None or event.computed_hash() != event_hash:
            return _error(404, "not_in_log", "No event with this hash is in the log.")
        index = leaf[0]
    else:
        index = _number(request, "leaf_index")
        if index is None:
            raise tree.TreeTooSmall("give leaf_index or event_hash")
        event_hash = Leaf.objects.filter(index=index).values_list("event_hash", flat=True).first() or ""
    proof = tree.inclusion_proof(index, size)
    return JsonResponse(
        {"leaf_index": index, "tree_size": size, "event_hash": event_hash, "inclusion_proof": b64(proof)}
    )


@_public
def consistency(request: HttpRequest) -> HttpResponse:
    """?first=M&second=N (second defaults to the latest checkpoint's size)."""
    first = _number(request, "first") or 0
    second = _tree_size(request, "second")
    proof = tree.consistency_proof(first, second)
    return JsonResponse({"first": first, "second": second, "consistency_proof": b64(proof)})
