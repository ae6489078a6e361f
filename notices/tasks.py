"""Notice tasks: one per audited event (or flag announcement), enqueued after commit, retried with
backoff while mail or a webhook fails; a notice already sent is not sent again on a retry."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from deals.jobs import MANAGER_DIGEST, recorded
from deals.models import JobRun
from notices import compose, delivery, flag_notices

logger = logging.getLogger(__name__)
TRANSIENT = (ConnectionError, TimeoutError, OperationalError, InterfaceError, SMTPException)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
    "acks_late": True,
}


@shared_task(**RETRY)
def notify_events(*, event_ids: list[int]) -> int:
    """Tell the people (and the groups' webhooks) what these audited events call for: the mail
    first, then one task per webhook, so a webhook that is down never holds back the mail or
    another webhook."""
    plan = compose.plan_events(event_ids)
    sent = delivery.deliver(plan.notices)
    for webhook_id, text in delivery.webhooks_for(plan.posts):
        try:
            post_webhook.delay(webhook_id=webhook_id, text=text)
        except Exception:  # in-process (no broker), its last failed try lands here
            logger.exception("Webhook %s was not posted.", webhook_id)
    return sent


@shared_task(**RETRY)
def notify_new_flags(*, flag_ids: list[int]) -> int:
    """Owners hear of the flags just opened on their deals (administrators of those nobody owns)."""
    return delivery.deliver(flag_notices.new_flags(flag_ids))


# Its own task, so a webhook that is down retries alone and never holds back the mail.
@shared_task(**{**RETRY, "autoretry_for": (OSError,), "retry_backoff_max": 600})
def post_webhook(*, webhook_id: int, text: str) -> bool:
    return delivery.webhook_post(webhook_id, text)


@shared_task(**RETRY)
def send_manager_digests() -> int:
    """Each manager's daily digest of their team's flags, recorded as a job run."""
    with recorded(MANAGER_DIGEST) as run:
        sent = delivery.deliver(flag_notices.manager_digests())
        # A digest run's progress counts the digests it sent.
        JobRun.objects.filter(pk=run.pk).update(progress_total=sent, progress_done=sent)
    return sent


@shared_task(**RETRY)
def send_daily_digests() -> int:
    """One mail per person gathering what they chose to read as a digest."""
    return delivery.digests_send()
