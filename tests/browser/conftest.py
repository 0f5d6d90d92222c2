"""Browser fixtures: the session app served by werkzeug in a thread, Debian Chromium driven by Playwright.
Every test module here sets `pytestmark = pytest.mark.browser`.

Chromium cannot be downloaded here (`playwright install` has no internet), so the system /usr/bin/chromium is used.
Without it the browser tests are skipped, unless REQUIRE_BROWSER=1 (CI), where they fail.
"""
import logging
import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.flows import DESKTOP, PHONE

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000



@pytest.fixture(scope="session")
def live_server(app):
    """The session app on 127.0.0.1 and a free port, served from a background thread; yields the base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # keep request lines out of failure reports
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions: a loaded 2-core CI machine is slow
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, live_server):
    """Factory: a page in a fresh context (own cookies). Defaults: 360x740 phone, zh-CN, JavaScript on."""
    contexts = []

    def factory(viewport=None, java_script_enabled=True, locale="zh-CN"):
        context = browser.new_context(viewport=viewport or PHONE, locale=locale, base_url=live_server,
                                      java_script_enabled=java_script_enabled)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A phone-sized page (360x740, zh-CN) with JavaScript."""
    return new_page()


@pytest.fixture
def nojs_page(new_page):
    """A phone-sized page with JavaScript disabled: every flow must still work with plain forms."""
    return new_page(java_script_enabled=False)


@pytest.fixture
def desktop_page(new_page):
    return new_page(viewport=DESKTOP)
