import datetime as dt
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from cases import eventstore
from cases.errors import ConcurrencyConflict
from cases.eventstore import GENESIS_HASH, Event, append, event_hash

META = {"actor": {"role": "system", "user_id": None}}


def _append(stream_id, expected_version, data=None):
    return append(
        stream_id=stream_id, expected_version=expected_version, type="case.assigned", data=data or {}, metadata=META
    )


@pytest.mark.django_db
def test_events_of_a_stream_get_versions_one_to_n_and_chain_their_hashes():
    stream = uuid.uuid4()
    first = _append(stream, 0, {"assignee_id": 1})
    second = _append(stream, 1, {"assignee_id": 2})

    assert (first.stream_version, second.stream_version) == (1, 2)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    stored = Event.objects.get(pk=second.pk)
    assert stored.computed_hash() == stored.hash == second.hash


@pytest.mark.django_db
def test_a_stale_expected_version_is_refused_with_the_current_version():
    stream = uuid.uuid4()
    _append(stream, 0)
    _append(stream, 1)

    with pytest.raises(ConcurrencyConflict) as refused:
        _append(stream, 1)

    assert refused.value.current_version == 2
    assert refused.value.expected_version == 1
    assert Event.objects.filter(stream_id=stream).count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_second_event_with_the_same_stream_version():
    stream = uuid.uuid4()
    first = _append(stream, 0)
    duplicate = Event(
        stream_id=stream,
        stream_version=1,
        type=first.type,
        schema_version=1,
        data={},
        metadata=META,
        occurred_at=first.occurred_at,
        previous_hash=GENESIS_HASH,
        hash="f" * 64,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        duplicate.save(force_insert=True)


@pytest.mark.django_db
def test_event_data_may_not_hold_floats():
    with pytest.raises(TypeError, match="floats"):
        _append(uuid.uuid4(), 0, {"score": 0.5})
    assert not Event.objects.exists()


def test_the_hash_covers_every_field():
    fields = {
        "stream_id": uuid.UUID(int=1),
        "stream_version": 1,
        "type": "case.assigned",
        "schema_version": 1,
        "data": {"a": "中文"},
        "metadata": META,
        "occurred_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "previous_hash": GENESIS_HASH,
    }
    original = event_hash(**fields)
    changes = {
        "stream_id": uuid.UUID(int=2),
        "stream_version": 2,
        "type": "case.other",
        "schema_version": 2,
        "data": {"a": "中文 "},
        "metadata": {"actor": {"role": "public", "user_id": None}},
        "occurred_at": dt.datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
        "previous_hash": "1" * 64,
    }
    for name, value in changes.items():
        assert event_hash(**{**fields, name: value}) != original, name


def test_the_hash_does_not_depend_on_key_order_or_time_zone():
    fields = {
        "stream_id": uuid.UUID(int=1),
        "stream_version": 1,
        "type": "t",
        "schema_version": 1,
        "metadata": {},
        "previous_hash": GENESIS_HASH,
    }
    shanghai = dt.timezone(dt.timedelta(hours=8))
    a = event_hash(**fields, data={"x": 1, "y": 2}, occurred_at=dt.datetime(2026, 1, 1, 8, tzinfo=shanghai))
    b = event_hash(**fields, data={"y": 2, "x": 1}, occurred_at=dt.datetime(2026, 1, 1, 0, tzinfo=dt.UTC))
    assert a == b


@pytest.mark.django_db
def test_raw_sql_update_on_the_event_table_fails():
    event = _append(uuid.uuid4(), 0, {"assignee_id": 1})

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_event SET data = %s WHERE position = %s", ['{"assignee_id": 2}', event.pk])

    assert Event.objects.get(pk=event.pk).data == {"assignee_id": 1}


@pytest.mark.django_db
def test_raw_sql_delete_on_the_event_table_fails():
    event = _append(uuid.uuid4(), 0)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_event WHERE position = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_event")

    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_the_orm_cannot_change_or_delete_an_event_either():
    event = _append(uuid.uuid4(), 0)
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(type="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).type == "case.assigned"


@pytest.mark.postgres
@pytest.mark.django_db
def test_truncate_on_the_event_table_fails():
    _append(uuid.uuid4(), 0)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_event")
    assert Event.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_replica_replication_role_does_not_skip_the_triggers():
    event = _append(uuid.uuid4(), 0)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM cases_event WHERE position = %s", [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_stream_head_of_an_unknown_stream_is_version_zero_at_genesis():
    assert eventstore.stream_head(uuid.uuid4()) == (0, GENESIS_HASH)
