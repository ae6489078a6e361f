from django.apps import AppConfig


class DealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deals"

    def ready(self):
        # Registers the `__in_batch` lookup and connects the catalog's signal.
        from deals import lookups, receivers  # noqa: F401
