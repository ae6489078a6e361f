from django.apps import AppConfig


class DealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deals"

    def ready(self):
        from deals import lookups  # noqa: F401  (registers `__in_batch`)
