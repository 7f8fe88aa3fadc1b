"""Number the events stored before the log existed as its first leaves, in position order."""

from django.db import migrations


def number_stored_events(apps, schema_editor):
    Event = apps.get_model("cases", "Event")
    Leaf = apps.get_model("ledger", "Leaf")
    LeafCounter = apps.get_model("ledger", "LeafCounter")
    TreeState = apps.get_model("ledger", "TreeState")
    batch = []
    index = Leaf.objects.count()
    numbered = set(Leaf.objects.values_list("position", flat=True))
    for position, event_hash in Event.objects.order_by("position").values_list("position", "hash").iterator(5000):
        if position in numbered:
            continue
        batch.append(Leaf(index=index, position=position, event_hash=event_hash))
        index += 1
        if len(batch) >= 5000:
            Leaf.objects.bulk_create(batch)
            batch = []
    Leaf.objects.bulk_create(batch)
    LeafCounter.objects.update_or_create(id=1, defaults={"size": index})
    # The interior nodes are built from the leaves on first need (ledger.tree.tree_extend).
    TreeState.objects.get_or_create(id=1, defaults={"size": 0, "frontier": []})


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_ledger_tables"),
        ("cases", "0009_incident"),
    ]

    operations = [migrations.RunPython(number_stored_events, migrations.RunPython.noop)]
