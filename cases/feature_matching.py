"""Checking what the public files against the approved entries of the feature library.

Matching runs inside the filing's transaction and must never fail or stall it: each entry is
matched on its own, and an entry that errs or runs out of time is logged and passed over.
Regular expressions run with a time limit per entry (`MATCH_TIMEOUT`) and all of them together
with a budget per filing (`INTAKE_BUDGET`); digests, accounts and keywords are plain look-ups
and run first, so that a slow expression never keeps them from being checked.

Approved entries are read in one query per filing rather than cached: with 1,000 entries of
every sort, reading them takes about 6 ms and matching a filing against them about 4 ms
(`bench/feature_matching.py`), and a cache would need invalidating in every process that
files complaints. Compiled expressions are cached by their text, which cannot go stale.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from cases.compiled_queries import CompiledQuery
from cases.events import MatchPlace
from cases.feature_patterns import EntrySort, TextSyntax, compiled_pattern, folded, normalised
from cases.models import Case
from cases.workflows.feature_entry import KIND, FeatureEntryState

logger = logging.getLogger(__name__)

# Seconds one regular expression may take on one filing, over all the places it looks.
MATCH_TIMEOUT = 0.05
# Seconds all regular expressions together may take on one filing.
INTAKE_BUDGET = 0.5
# What a match records of the text it found.
MAX_EXCERPT = 200


@dataclass(frozen=True)
class Intake:
    """What a filing offers to match: its texts, its web addresses and its files' digests."""

    title: str = ""
    description: str = ""
    content_urls: Sequence[str] = ()
    # (evidence id, SHA-256) of each file.
    files: Sequence[tuple[str, str]] = ()

    def texts(self) -> Iterator[tuple[str, str]]:
        """(place, text) in the order a match is looked for."""
        yield MatchPlace.TITLE, self.title
        yield MatchPlace.DESCRIPTION, self.description
        for url in self.content_urls:
            yield MatchPlace.CONTENT_URL, url


@dataclass(frozen=True)
class LibraryEntry:
    id: uuid.UUID
    reference: str
    sort: str
    syntax: str
    value: str


@dataclass(frozen=True)
class Match:
    entry: LibraryEntry
    matched: str
    where: str
    evidence_id: str = ""


def approved_entries(*, organisation_id: int) -> list[LibraryEntry]:
    """The organisation's entries in force, in one query (on the queue's index)."""
    return [
        LibraryEntry(
            id=case_id,
            reference=reference,
            sort=str(details.get("sort", "")),
            syntax=str(details.get("syntax", "")),
            value=str(details.get("value", "")),
        )
        for case_id, reference, details in _APPROVED.rows(organisation_id=organisation_id)
    ]


# Read on every filing.
_APPROVED = CompiledQuery(
    lambda organisation_id: (
        Case.objects.filter(organisation_id=organisation_id, kind=KIND, state=FeatureEntryState.APPROVED)
        .order_by("created_at", "id")
        .values_list("id", "reference", "details")
    ),
    organisation_id=int,
)


class _Texts:
    """The filing's texts, normalised once for every entry."""

    def __init__(self, intake: Intake) -> None:
        self.plain = [(place, normalised(text)) for place, text in intake.texts() if text]
        self.folded = [(place, folded(text)) for place, text in intake.texts() if text]


def intake_matches(
    intake: Intake,
    entries: Sequence[LibraryEntry],
    *,
    filing: str = "",
    match_timeout: float = MATCH_TIMEOUT,
    budget: float = INTAKE_BUDGET,
    clock: Callable[[], float] = time.monotonic,
) -> list[Match]:
    """The entries that match the filing, each once, with the first place it matched.

    Never raises: an entry that fails is logged (with `filing`, the filing's reference) and
    passed over."""
    texts = _Texts(intake)
    digests = {sha256.lower(): evidence_id for evidence_id, sha256 in intake.files}
    cheap = [entry for entry in entries if not _is_expression(entry)]
    expressions = [entry for entry in entries if _is_expression(entry)]
    found: list[Match] = []
    for entry in cheap:
        try:
            match = _cheap_match(entry, texts, digests)
        except Exception:  # one broken entry must not fail a filing
            logger.exception("Feature-library entry %s failed on filing %s and was skipped", entry.reference, filing)
            continue
        if match is not None:
            found.append(match)
    deadline = clock() + budget
    for number, entry in enumerate(expressions):
        remaining = deadline - clock()
        if remaining <= 0:
            logger.warning(
                "Feature-library matching of filing %s ran out of time: %s regular expressions were not checked",
                filing,
                len(expressions) - number,
            )
            break
        try:
            match = _expression_match(entry, texts, min(match_timeout, remaining), clock)
        except TimeoutError:
            logger.warning("Feature-library entry %s timed out on filing %s and was skipped", entry.reference, filing)
            continue
        except Exception:  # one broken entry must not fail a filing
            logger.exception("Feature-library entry %s failed on filing %s and was skipped", entry.reference, filing)
            continue
        if match is not None:
            found.append(match)
    return found


def _is_expression(entry: LibraryEntry) -> bool:
    return entry.sort == EntrySort.TEXT and entry.syntax == TextSyntax.REGEX


def _cheap_match(entry: LibraryEntry, texts: _Texts, digests: dict[str, str]) -> Match | None:
    if entry.sort == EntrySort.FILE:
        evidence_id = digests.get(entry.value)
        if evidence_id is None:
            return None
        return Match(entry, entry.value, MatchPlace.EVIDENCE, evidence_id=evidence_id)
    if entry.sort == EntrySort.ACCOUNT:
        account = folded(entry.value)
        for place, text in texts.folded:
            if _contains_account(text, account):
                return Match(entry, entry.value, place)
        return None
    if entry.sort == EntrySort.TEXT and entry.syntax == TextSyntax.KEYWORDS:
        keywords = [(keyword, folded(keyword)) for keyword in entry.value.split("\n") if keyword]
        for place, text in texts.folded:
            for keyword, wanted in keywords:
                if wanted in text:
                    return Match(entry, keyword[:MAX_EXCERPT], place)
        return None
    raise ValueError(f"unknown sort of entry {entry.sort!r}/{entry.syntax!r}")


def _expression_match(entry: LibraryEntry, texts: _Texts, timeout: float, clock: Callable[[], float]) -> Match | None:
    pattern = compiled_pattern(entry.value)
    # The entry's time is shared by all the places it looks in.
    deadline = clock() + timeout
    for place, text in texts.plain:
        remaining = deadline - clock()
        if remaining <= 0:
            raise TimeoutError(entry.reference)
        found = pattern.search(text, timeout=remaining)
        if found is not None:
            return Match(entry, found.group(0)[:MAX_EXCERPT], place)
    return None


def _is_word_character(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "_-")


def _contains_account(text: str, account: str) -> bool:
    """Whether the account appears on its own: "user-1" is in ".../u/user-1" and "@user-1,", not
    in "user-12". Only ASCII letters, digits, "_" and "-" join onto an identifier; Chinese
    text has no spaces between words, so a Chinese account name matches wherever it appears."""
    if not account:
        return False
    start = text.find(account)
    while start != -1:
        end = start + len(account)
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        joined_before = before and _is_word_character(before) and _is_word_character(account[0])
        joined_after = after and _is_word_character(after) and _is_word_character(account[-1])
        if not (joined_before or joined_after):
            return True
        start = text.find(account, start + 1)
    return False
