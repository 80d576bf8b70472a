"""Production entry point: `gunicorn wsgi:app`. PCRM_ENV defaults to production here, so a
missing setting stops the start with its name instead of falling back to embedded parts."""

import os
import sys

from pcrm.config import ConfigError

os.environ.setdefault("PCRM_ENV", "production")

try:
    from pcrm import create_app

    app = create_app()
except ConfigError as error:
    sys.exit(f"Configuration error: {error}")
