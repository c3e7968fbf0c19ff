"""The app factory: the only place a Flask app is built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_smorest import Api

from requests_service.config import Config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; the only place one is built. Tests pass ``DATABASE_URL`` in ``config``."""
    from requests_service.api import register_blueprints
    from requests_service.api.errors import register_error_handlers
    from requests_service.db import session as db_session
    from requests_service.jobs.commands import register_commands

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(Config.from_env().as_flask_config())
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    # Let werkzeug refuse absurd bodies before reading them; the exact limit is checked per file.
    app.config.setdefault("MAX_CONTENT_LENGTH", app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024)
    db_session.init_app(app)
    from requests_service.jobs.events import install_kick

    install_kick(app)
    api = Api(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    register_blueprints(api)
    register_error_handlers(app)
    register_commands(app)
    from requests_service.letters.service_adapter import missing_fonts

    missing_fonts()  # logs an error at start-up when the letter fonts are not installed
    return app
