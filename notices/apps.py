from django.apps import AppConfig


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notices"
    verbose_name = "Notices"

    def ready(self) -> None:
        from core.audit import audit_committed
        from deals.notifications import flags_opened
        from notices import receivers

        audit_committed.connect(receivers.on_audit_committed, dispatch_uid="notices.audit")
        flags_opened.connect(receivers.on_flags_opened, dispatch_uid="notices.flags")
