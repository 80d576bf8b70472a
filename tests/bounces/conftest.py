from tests.messaging.conftest import relay  # noqa: F401  (the SMTP relay fixture, shared)
