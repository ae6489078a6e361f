import pytest


@pytest.fixture(autouse=True)
def media_and_quick_quotes(settings, tmp_path):
    """Uploads land in a throwaway folder; frozen quotes need only a short simulation."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SIMULATION_DRAWS = 200
    return settings.MEDIA_ROOT


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
