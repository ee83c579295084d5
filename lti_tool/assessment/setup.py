"""Wire casework and training into the app: blueprints, the case cipher, launch routing, CLI."""

from __future__ import annotations

import sys

from flask import Flask

from ..config import ConfigError
from .crypto import CaseCipher, MasterKeyring


def _running_assessment_cli() -> bool:
    argv = sys.argv[1:]
    return "assessment" in argv and "create-master-key" in argv


def init_app(app: Flask) -> None:
    """Register the feature; in production a master key must already exist."""
    from . import models, training_models  # noqa: F401  (register the tables)
    from .blueprint import api, bp
    from .cli import assessment_cli
    from .launch import home_links, route_launch

    settings = app.config["R2COM"]
    production = settings["ENV"] == "production"
    masters = MasterKeyring(settings["KEYS_DIR"], may_create=not production)
    if production and not masters.exists() and not _running_assessment_cli():
        raise ConfigError(f"No master key for case records in {settings['KEYS_DIR']}. Create one with "
                          "`flask --app wsgi assessment create-master-key` and back it up apart from the database.")
    ext = app.extensions["r2com"]
    ext["case_cipher"] = CaseCipher(masters)
    ext["router"].add(route_launch)
    ext["router"].add_home_link(home_links)
    app.register_blueprint(bp)
    app.register_blueprint(api)
    app.cli.add_command(assessment_cli)
