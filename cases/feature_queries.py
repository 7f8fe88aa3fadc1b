"""Reads of the feature library: its entries filtered, searched and paged by keyset, newest
first. Every query starts from `Case.objects.for_actor`, so staff see their own organisation's
library only."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from cases.feature_patterns import normalised
from cases.kinds import as_kind
from cases.models import Case
from cases.workflows.feature_entry import KIND

if TYPE_CHECKING:
    import datetime as dt

    from accounts.actors import Actor
    from accounts.models import User

FEATURE_PAGE_SIZE = 50
MAX_SEARCH = 200

_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class FeatureFilters:
    sort: str = ""
    state: str = ""
    category: str = ""
    # Found in what the entry matches (a pattern, a keyword, a digest, an account), its rule or its title.
    text: str = ""


@dataclass(frozen=True)
class FeaturePage:
    entries: list[Case]
    next_cursor: str = ""


def feature_entries(*, actor: Actor, filters: FeatureFilters) -> QuerySet[Case]:
    entries = Case.objects.for_actor(actor).filter(kind=KIND)
    if filters.sort:
        entries = entries.filter(details__sort=filters.sort)
    if filters.state:
        entries = entries.filter(state=filters.state)
    if filters.category:
        entries = entries.filter(category=filters.category)
    text = normalised(filters.text).strip()
    if text:
        # Digests are kept in lower case; whoever pastes one may not have it so.
        if _HEX_DIGEST.match(text):
            text = text.lower()
        entries = entries.filter(
            Q(details__value__icontains=text) | Q(description__icontains=text) | Q(title__icontains=text)
        )
    return entries


def feature_page(*, actor: Actor, filters: FeatureFilters, cursor: str = "", size: int | None = None) -> FeaturePage:
    """One page of entries, newest first, from just after the entry a cursor names."""
    size = size or FEATURE_PAGE_SIZE
    entries = feature_entries(actor=actor, filters=filters)
    position = decode_feature_cursor(cursor) if cursor else None
    if position is not None:
        created, entry_id = position
        entries = entries.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=entry_id))
    rows = list(entries.order_by("-created_at", "-id")[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return FeaturePage(
        entries=[as_kind(row) for row in rows],
        next_cursor=encode_feature_cursor(rows[-1]) if has_next else "",
    )


def encode_feature_cursor(entry: Case) -> str:
    document = [entry.created_at.isoformat() if entry.created_at else "", str(entry.id)]
    return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_feature_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID] | None:
    """Where a cursor points, or None for anything malformed (then reading starts at the top:
    a cursor only says where to start, never what may be read)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, entry_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = parse_datetime(created)
        identifier = uuid.UUID(entry_id)
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment, identifier


def entry_people(entries: list[Case]) -> dict[int, User]:
    """The proposers of the entries, by id, in one query."""
    ids = {entry.details.get("proposed_by") for entry in entries}
    wanted = sorted(i for i in ids if isinstance(i, int))
    if not wanted:
        return {}
    return get_user_model().objects.only("id", "username").in_bulk(wanted)
