"""The real services answer: PostgreSQL row locks and a Celery message through Redis."""

import uuid

import kombu
import pytest
import redis
from celery import Celery
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_select_for_update_holds_a_row_lock():
    assert connection.vendor == "postgresql"

    user = get_user_model().objects.create(username=f"lock-{uuid.uuid4().hex[:12]}")
    table = connection.ops.quote_name(user._meta.db_table)

    other = connection.copy()  # a second session on the same (test) database
    try:
        with transaction.atomic():
            locked = get_user_model().objects.select_for_update().get(pk=user.pk)
            locked.first_name = "Locked"
            locked.save(update_fields=["first_name"])

            # While our transaction holds the row lock, another session cannot take it.
            with (
                pytest.raises(OperationalError, match="could not obtain lock"),
                other.cursor() as cursor,
            ):
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [user.pk])

        # Committed and released: the other session now locks it and sees our write.
        with other.cursor() as cursor:
            cursor.execute(f"SELECT first_name FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [user.pk])
            assert cursor.fetchone() == ("Locked",)
    finally:
        other.close()


@pytest.mark.redis
def test_redis_carries_a_celery_task_message(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.ping() is True

    queue_name = f"dealdesk-ci-check-{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    app = Celery("dealdesk-ci-check", broker=redis_url, set_as_current=False)
    queue = kombu.Queue(queue_name, kombu.Exchange(queue_name, type="direct"), queue_name)
    try:
        with kombu.Connection(redis_url, connect_timeout=5) as conn:
            queue(conn.default_channel).declare()

            app.send_task("dealdesk.ci.echo", args=[token], queue=queue, connection=conn)

            with conn.SimpleQueue(queue) as inbox:
                message = inbox.get(timeout=5)
                message.ack()

        assert message.headers["task"] == "dealdesk.ci.echo"
        args, kwargs, _embed = message.decode()
        assert args == [token]
        assert kwargs == {}
    finally:
        with kombu.Connection(redis_url, connect_timeout=5) as conn:
            queue(conn.default_channel).delete()
        # kombu keeps its exchange bindings in keys of their own: leave nothing behind.
        for key in client.scan_iter(match=f"*{queue_name}*"):
            client.delete(key)
        client.close()
        app.close()
