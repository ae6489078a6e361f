import pytest

from tests import services

# Marker name -> check that skips (or, with REQUIRE_SERVICES=1, fails) the test.
SERVICE_MARKERS = {
    "postgres": services.require_postgres,
    "redis": services.require_redis,
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
