"""Contact details of data subjects become ciphertexts under each subject's own key.

Existing rows get a data key (wrapped under the current master key) and their name, e-mail
and phone number are encrypted under it; then the clear columns go.
"""

from django.db import migrations, models


def encrypt_existing_subjects(apps, schema_editor):
    from cases import vault

    DataSubject = apps.get_model("cases", "DataSubject")
    for subject in DataSubject.objects.filter(wrapped_key="").iterator():
        key, subject.wrapped_key, subject.key_id = vault.new_subject_key(subject.id)
        for field in ("name", "email", "phone"):
            value = getattr(subject, field)
            setattr(subject, f"{field}_sealed", vault.encrypt(key, subject.id, field, value) if value else "")
        subject.save(update_fields=["wrapped_key", "key_id", "name_sealed", "email_sealed", "phone_sealed"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_merge_regulators_and_time_limits")]

    operations = [
        migrations.AddField(
            model_name="datasubject",
            name="name_sealed",
            field=models.TextField(blank=True, editable=False, verbose_name="name (encrypted)"),
        ),
        migrations.AddField(
            model_name="datasubject",
            name="email_sealed",
            field=models.TextField(blank=True, editable=False, verbose_name="e-mail (encrypted)"),
        ),
        migrations.AddField(
            model_name="datasubject",
            name="phone_sealed",
            field=models.TextField(blank=True, editable=False, verbose_name="phone (encrypted)"),
        ),
        migrations.AddField(
            model_name="datasubject", name="wrapped_key", field=models.TextField(blank=True, editable=False)
        ),
        migrations.AddField(
            model_name="datasubject",
            name="key_id",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="datasubject",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="erased at"),
        ),
        migrations.RunPython(encrypt_existing_subjects, migrations.RunPython.noop),
        migrations.RemoveField(model_name="datasubject", name="name"),
        migrations.RemoveField(model_name="datasubject", name="email"),
        migrations.RemoveField(model_name="datasubject", name="phone"),
    ]
