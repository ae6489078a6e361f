import pytest

from tests import services

# Marker name -> check that skips (or, with REQUIRE_SERVICES=1, fails) the test.
SERVICE_MARKERS = {
    "postgres": services.require_postgres,
    "redis": services.require_redis,
    "e2e": services.require_chromium,
}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # tryfirst: decide before any fixture (e.g. the test database) is set up.
    for marker, require in SERVICE_MARKERS.items():
        if item.get_closest_marker(marker):
            require()


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL, once Redis answers there; skips (or fails) the test otherwise."""
    return services.require_redis()


@pytest.fixture(autouse=True)
def fast_test_settings(settings, tmp_path):
    # Hashing passwords the production way costs most of a login; the tests log in a lot.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Fewer draws keep quotes quick; the engine's own tests cover the full simulation.
    settings.SIMULATION_DRAWS = 2000
    # Uploaded evidence goes to a throwaway folder, never the working tree.
    settings.MEDIA_ROOT = str(tmp_path / "media")
