"""Tracking grants as a session keeps them: only those still in force count, and a malformed
entry counts as no grant rather than breaking the page or the socket that reads it."""

import uuid

from cases.tracking_session import TRACKED_CASES_SESSION_KEY, grants_in_force, tracked_ids

NOW = 1_700_000_000


def test_only_grants_still_in_force_count():
    live, expired = str(uuid.uuid4()), str(uuid.uuid4())
    session = {TRACKED_CASES_SESSION_KEY: {live: NOW + 60, expired: NOW}}

    grants = grants_in_force(session, now=NOW)

    assert grants == {live: NOW + 60}
    assert tracked_ids(grants) == frozenset({uuid.UUID(live)})


def test_malformed_entries_count_as_no_grant():
    good = str(uuid.uuid4())
    session = {TRACKED_CASES_SESSION_KEY: {good: NOW + 60, "not-a-case": NOW + 60, str(uuid.uuid4()): "later"}}

    assert grants_in_force(session, now=NOW) == {good: NOW + 60}
    assert grants_in_force({TRACKED_CASES_SESSION_KEY: ["a list"]}, now=NOW) == {}
    assert grants_in_force({}, now=NOW) == {}
