"""The periodic jobs are seeded by a data migration and name tasks the Celery app knows."""

import json

from django.contrib.auth.models import Group
from django_celery_beat.models import PeriodicTask

from config.celery import app
from tests.factories import UserFactory


def test_the_sweep_the_flag_scan_and_the_digest_are_scheduled(db):
    enabled = PeriodicTask.objects.select_related("interval", "crontab").filter(enabled=True)
    schedules = {t.task: t for t in enabled if t.kwargs == "{}"}

    sweep = schedules["deals.tasks.recompute_stale"]
    scan = schedules["deals.tasks.evaluate_flags"]
    digest = schedules["notices.tasks.send_manager_digests"]
    assert (sweep.interval.every, sweep.interval.period) == (5, "minutes")
    assert (scan.interval.every, scan.interval.period) == (15, "minutes")
    assert (digest.crontab.minute, digest.crontab.hour, digest.crontab.day_of_week) == ("0", "7", "*")
    (full_scan,) = [t for t in enabled if t.kwargs != "{}"]
    assert (full_scan.task, json.loads(full_scan.kwargs)) == ("deals.tasks.evaluate_flags", {"full": True})
    assert (full_scan.crontab.minute, full_scan.crontab.hour) == ("30", "3")
    app.loader.import_default_modules()
    for task in (sweep, scan, digest):
        assert task.task in app.tasks


def test_finance_may_start_a_full_recompute(db):
    assert Group.objects.get(name="Finance").permissions.filter(codename="add_jobrun").exists()
    assert not Group.objects.get(name="Deal desk").permissions.filter(codename="add_jobrun").exists()


def test_a_schedule_with_a_task_name_too_long_is_refused_on_the_field(client, db):
    client.force_login(UserFactory(is_superuser=True))
    schedule = PeriodicTask.objects.get(task="deals.tasks.recompute_stale")
    page = client.post(
        f"/admin/django_celery_beat/periodictask/{schedule.pk}/change/",
        {"name": schedule.name, "task": "x" * 300, "interval": schedule.interval_id, "enabled": "on"},
    )

    assert page.status_code == 200
    assert "task" in page.context["adminform"].form.errors
    schedule.refresh_from_db()
    assert schedule.task == "deals.tasks.recompute_stale"


def test_a_crontab_with_a_bad_field_is_refused_on_the_field(client, db):
    client.force_login(UserFactory(is_superuser=True))
    digest = PeriodicTask.objects.get(task="notices.tasks.send_manager_digests").crontab
    page = client.post(
        f"/admin/django_celery_beat/crontabschedule/{digest.pk}/change/",
        {"minute": "abc", "hour": "-1", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*"},
    )

    assert page.status_code == 200
    assert "minute" in page.context["adminform"].form.errors
    digest.refresh_from_db()
    assert (digest.minute, digest.hour) == ("0", "7")
    listed = client.get("/admin/django_celery_beat/crontabschedule/")
    assert listed.status_code == 200 and "At 07:00" in listed.content.decode()
