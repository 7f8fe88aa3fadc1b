"""rebuild_projections with worker processes: the streams replayed in several processes, each a
range of stream ids, in the command's snapshot of the log; what they find and repair is what one
replay finds and repairs. Run as the operator runs it, a process of its own."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from cases.models import Case
from tests.cases.conftest import HALF
from tests.processes import manage


def _drift(case: Case, title: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET title = %s WHERE id = %s",
            [title, case.id.hex if connection.vendor == "sqlite" else case.id],
        )


@pytest.mark.django_db(transaction=True)
def test_two_workers_find_an_intact_set_of_projections(cases_in_both_halves):
    events = 2 * len(cases_in_both_halves)

    result = manage("rebuild_projections", "--check", "--workers", "2")

    assert result.returncode == 0, result.stderr
    assert "Projections match the events." in result.stdout
    assert f"replayed events: {events:,}/{events:,} (100%)" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_each_find_and_repair_a_drifted_row_and_an_orphan_in_their_half(cases_in_both_halves):
    low = next(c for c in cases_in_both_halves if c.id < HALF)
    high = next(c for c in cases_in_both_halves if c.id >= HALF)
    _drift(low, "drifted low")
    _drift(high, "drifted high")
    # A row no stream justifies, in the upper half (whichever worker owns it must delete it).
    orphan = Case.objects.get(pk=high.id)
    orphan.pk = uuid.UUID(int=(1 << 128) - 1)
    orphan.reference = "C-ORPH-AN00"
    orphan.save(force_insert=True)

    checked = manage("rebuild_projections", "--check", "--workers", "2")

    assert checked.returncode == 1
    assert "3 difference(s)" in checked.stderr
    for case, title in ((low, "drifted low"), (high, "drifted high")):
        assert f"case {case.id}: title is {title!r}, the events say {case.title!r}" in checked.stdout
    assert f"case {orphan.pk}: (row) is 'present', the events say None" in checked.stdout
    # A check changes nothing.
    assert Case.objects.get(pk=low.id).title == "drifted low"
    assert Case.objects.filter(pk=orphan.pk).exists()

    rebuilt = manage("rebuild_projections", "--workers", "2")

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Rewrote projections: 3 difference(s) corrected." in rebuilt.stdout
    assert Case.objects.get(pk=low.id).title == low.title
    assert Case.objects.get(pk=high.id).title == high.title
    assert not Case.objects.filter(pk=orphan.pk).exists()
    assert manage("rebuild_projections", "--check", "--workers", "2").returncode == 0


@pytest.mark.django_db
def test_workers_must_be_at_least_one():
    result = manage("rebuild_projections", "--workers", "0")
    assert result.returncode != 0
    assert "--workers must be at least 1" in result.stderr
