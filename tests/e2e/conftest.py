"""Real-browser fixtures: Playwright driving Debian's /usr/bin/chromium against live_server.

Playwright's own browser download does not work on our machines, so we launch the system
chromium by path. `make test` installs it (scripts/ensure-chromium).
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls our tests make
# alongside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run scripts/ensure-chromium (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Open isolated browser contexts (separate cookies), closed after the test."""
    contexts = []

    def make(**kwargs):
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session", autouse=True)
def _migrated_data_snapshot(django_db_setup, django_db_blocker, browser):
    """Snapshot what the data migrations made (the Editors and Moderators groups...) for restoring.

    Django keeps this snapshot on the connection object, but once Playwright's sync API runs its
    event loop in this thread, asgiref hands the tests a different connection object. So take it
    again, here, on the one they use. No e2e test has run yet, so the database is as migrated.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all():
            if not hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _keep_migrated_data(_migrated_data_snapshot, django_db_serialized_rollback):
    """Restore the migrated data before each test, as the test before this one flushed it away.

    Serialized rollback also stops that flush from recreating content types and permissions,
    whose new ids would clash with the restored ones.
    """
