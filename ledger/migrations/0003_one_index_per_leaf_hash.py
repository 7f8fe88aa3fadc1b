"""One index on a leaf's event hash instead of two.

`db_index` on a text column gave PostgreSQL a second index, for LIKE patterns, that no query
uses and every append wrote. The indexes are dropped and one is made, without rebuilding the
table (which altering the field would do on SQLite)."""

from django.db import migrations, models

OLD_INDEX = "ledger_leaf_event_hash_711e240c"  # the name `db_index` gave, on every database
NEW_INDEX = models.Index(fields=["event_hash"], name="leaf_event_hash_idx")


def _hash_indexes(schema_editor, table: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, facts in constraints.items()
        if facts["columns"] == ["event_hash"] and facts["index"] and not (facts["unique"] or facts["primary_key"])
    ]


def one_index(apps, schema_editor):
    leaf = apps.get_model("ledger", "Leaf")
    for name in _hash_indexes(schema_editor, leaf._meta.db_table):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")
    schema_editor.add_index(leaf, NEW_INDEX)


def two_indexes(apps, schema_editor):
    leaf = apps.get_model("ledger", "Leaf")
    table = schema_editor.quote_name(leaf._meta.db_table)
    schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(NEW_INDEX.name)}")
    schema_editor.execute(f"CREATE INDEX {schema_editor.quote_name(OLD_INDEX)} ON {table} (event_hash)")
    if schema_editor.connection.vendor == "postgresql":
        like = schema_editor.quote_name(f"{OLD_INDEX}_like")
        schema_editor.execute(f"CREATE INDEX {like} ON {table} (event_hash varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_leaves_for_stored_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="leaf",
                    name="event_hash",
                    field=models.CharField(max_length=64, verbose_name="event hash"),
                ),
                migrations.AddIndex(model_name="leaf", index=NEW_INDEX),
            ],
            database_operations=[migrations.RunPython(one_index, two_indexes)],
        ),
    ]
