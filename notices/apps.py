from django.apps import AppConfig


class NoticesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notices"
    verbose_name = "Notices"

    def ready(self) -> None:
        # The receivers connect themselves on import (audit rows and opened flags).
        from notices import receivers  # noqa: F401
