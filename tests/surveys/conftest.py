import pytest


@pytest.fixture(autouse=True)
def _in_app(app):
    """Every survey test runs in the app context on the migrated test database."""
    return app
