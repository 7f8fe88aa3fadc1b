"""Fixtures of the case tests that run commands as an operator does, over the whole log."""

from __future__ import annotations

import uuid

import pytest

from cases import commands

# Where two workers split the stream ids (cases.stream_workers.stream_ranges(2)).
HALF = uuid.UUID(int=1 << 127)


@pytest.fixture
def cases_in_both_halves(submit_complaint, agent):
    """Complaints of two events each, at least one in each worker's half of the stream ids."""
    cases = []
    while not (any(c.id < HALF for c in cases) and any(c.id >= HALF for c in cases)):
        case = submit_complaint().case
        commands.complaint_accept(case_id=case.id, actor=agent, expected_version=1)
        cases.append(case)
        assert len(cases) < 40, "forty random ids all in one half"
    return cases
