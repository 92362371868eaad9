"""bench/desk_clear20.py runs under pytest with the test suite's fixtures (settings, browser)."""

from tests.conftest import (  # noqa: F401
    _empty_cache,
    _fast_password_hashing,
    _media_in_tmp,
    _plain_static_storage,
)
from tests.e2e.conftest import (  # noqa: F401
    _keep_migrated_data,
    _migrated_data_snapshot,
    browser,
    new_context,
)
