"""Unbound extensions, bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from pcrm.db import Base
from pcrm.queue import Queues

db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
login = LoginManager()
babel = Babel()
mail = Mail()
queues = Queues()
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")
