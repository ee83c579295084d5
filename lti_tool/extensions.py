"""Flask extensions, created unbound and bound in ``create_app``."""

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from .db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
