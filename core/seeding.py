"""Helpers the data migrations share to seed groups and their permissions."""

from django.contrib.auth.management import create_permissions


def ensure_permissions(apps) -> None:
    """Create the permissions of every model now; Django would only do it after migrating."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def grant(apps, app_label: str, grants: dict[str, dict[str, list[str]]]) -> None:
    """grants: group name -> model name -> actions (view, add, change, delete)."""
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        for model, actions in models.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=[f"{a}_{model}" for a in actions]
                )
            )
