"""Calibrate from performed work every night (editable in the admin)."""

from django.db import migrations

NAME, TASK = "Calibrate spreads from performed work", "proofs.tasks.calibrate"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": crontab})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proofs", "0008_value_baseline"),
        ("deals", "0005_seed_schedules"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
