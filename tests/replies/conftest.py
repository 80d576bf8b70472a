"""The fake SENS server and daytime quiet hours of the campaign tests, shared."""

from tests.campaigns.conftest import daytime, sens  # noqa: F401
