from django.apps import AppConfig


class ProofsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "proofs"

    def ready(self):
        from proofs import governance

        governance.register()
