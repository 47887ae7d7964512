"""Sessions moved to `portal_session`: the rows left in Django's `django_session` are deleted,
so going back to a release that reads that table cannot bring old logins back."""

from django.db import migrations


def delete_old_sessions(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal_config", "0001_portal_session"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(delete_old_sessions, migrations.RunPython.noop)]
