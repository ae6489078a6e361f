"""The audit trail now belongs to core (core.0001 took over its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0010_deal_updates_in_place"),
        ("core", "0001_auditevent_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
