"""What sets notices off: audit rows of the events someone must hear of, and the flags a job
opened. Each enqueues one task once the writing transaction has committed (the senders wait for
the commit), so a notice never tells of a change that rolled back and never holds up a page."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.audit import audit_committed
from core.models import AuditEvent
from deals.notifications import flags_opened
from notices.compose import NOTICE_ACTIONS
from notices.tasks import notify_events, notify_new_flags


@receiver(audit_committed, dispatch_uid="notices.audit")
def on_audit_committed(sender: Any, *, events: list[AuditEvent], **kwargs: Any) -> None:
    event_ids = [event.pk for event in events if event.action in NOTICE_ACTIONS]
    if event_ids:
        notify_events.delay(event_ids=event_ids)


@receiver(flags_opened, dispatch_uid="notices.flags")
def on_flags_opened(sender: Any, *, flag_ids: list[int], **kwargs: Any) -> None:
    notify_new_flags.delay(flag_ids=flag_ids)
