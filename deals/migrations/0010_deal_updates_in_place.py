from django.db import migrations, models

# Half of each page left free: a deal's figures are rewritten on every cost move, and a new row
# version that fits on its page is written in place (a HOT update), with no new index entries.
DEAL_FILLFACTOR = 50
POSTGRESQL_DEFAULT_FILLFACTOR = 100


def set_fillfactor(apps, schema_editor, fillfactor: int) -> None:
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("deals", "Deal")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(fillfactor)})")


def leave_room_on_pages(apps, schema_editor):
    set_fillfactor(apps, schema_editor, DEAL_FILLFACTOR)


def fill_pages(apps, schema_editor):
    set_fillfactor(apps, schema_editor, POSTGRESQL_DEFAULT_FILLFACTOR)


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0009_seed_full_flag_scan"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deal",
            name="is_stale",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(leave_room_on_pages, fill_pages),
    ]
