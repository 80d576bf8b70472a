from tests.campaigns.conftest import daytime  # noqa: F401  (no quiet hours for SMS tests)
from tests.messaging.conftest import relay  # noqa: F401  (the SMTP relay fixture, shared)
