from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, to which row, from what to what; written in the same transaction as the change.

    `deal` names the deal an event concerns, when it concerns one (a catalog change does not).
    """

    # The trail outlives the deal it tells of.
    deal = models.ForeignKey("deals.Deal", on_delete=models.SET_NULL, related_name="audit_events", null=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "deals_auditevent"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.action} on deal {self.deal_id}" if self.deal_id else self.action
