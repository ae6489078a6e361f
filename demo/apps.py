from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set and its `load_demo` command; it builds on every app and none imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
