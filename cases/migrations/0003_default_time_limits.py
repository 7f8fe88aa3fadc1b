from django.db import migrations

# The published time limits an installation starts with; administrators change them live.
DEFAULTS = [
    ("complaint", 24, "hours", 7, "working_days"),
    ("appeal", 24, "hours", 15, "working_days"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    for kind, first, first_unit, resolution, resolution_unit in DEFAULTS:
        SlaPolicy.objects.get_or_create(
            kind=kind,
            defaults={
                "first_response_amount": first,
                "first_response_unit": first_unit,
                "resolution_amount": resolution,
                "resolution_unit": resolution_unit,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_event_table_append_only")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
