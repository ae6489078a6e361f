"""The managers' flag digest is sent by the notices app now; each person's daily digest of what
they chose to read that way is scheduled beside it (both editable in the admin)."""

from django.db import migrations

DIGEST = ("Daily digest of notices", "notices.tasks.send_daily_digests")
MOVED = ("deals.tasks.send_manager_digests", "notices.tasks.send_manager_digests")


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=MOVED[0]).update(task=MOVED[1])
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(name=DIGEST[0], defaults={"task": DIGEST[1], "crontab": crontab})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=DIGEST[0]).delete()
    PeriodicTask.objects.filter(task=MOVED[1]).update(task=MOVED[0])


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_initial"),
        ("deals", "0005_seed_schedules"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
