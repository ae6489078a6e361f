"""The API docs on a closed network: Swagger UI and ReDoc come from this site, so with every
request to another host blocked the browser still lists the API's operations."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from deals import roles
from tests.e2e.conftest import no_script_errors
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def only_this_site(tab, base_url: str) -> list[str]:
    """Abort every request to another host, as a closed network would; returns those tried."""
    ours = urlsplit(base_url).netloc
    blocked: list[str] = []

    def route(route):
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    tab.context.route("**/*", route)
    return blocked


def docs_tab(journey, live_server, path: str):
    """The deal desk's tab on `path`, logged in, with every other host blocked; and the list of
    what was tried elsewhere."""
    UserFactory(username="dana", group=roles.DEAL_DESK)
    tab = journey()
    blocked = only_this_site(tab, live_server.url)
    tab.log_in("dana")
    tab.page.goto(path)
    return tab, blocked


def test_swagger_ui_lists_the_operations_with_other_hosts_blocked(journey, live_server):
    tab, blocked = docs_tab(journey, live_server, "/api/docs/")
    tab.page.locator(".opblock").first.wait_for()
    operations = tab.page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/deals/" in operations and "/api/v1/performed-work/" in operations
    assert len(set(operations)) > 20
    tab.screenshot("api-docs")
    assert blocked == []  # nothing was even tried elsewhere
    assert no_script_errors(tab) == []


def test_redoc_shows_the_api_with_other_hosts_blocked(journey, live_server):
    tab, blocked = docs_tab(journey, live_server, "/api/redoc/")
    tab.page.get_by_text("Deal desk API").first.wait_for()
    assert "/api/v1/performed-work/" in tab.text()
    # ReDoc's bundle asks for its makers' logo from their CDN; the page is whole without it.
    assert all(url.startswith("https://cdn.redoc.ly/") and url.endswith(".svg") for url in blocked)
