"""The app factory: the only place a Flask app is built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from requests_service.config import Config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; the only place one is built. Tests pass ``DATABASE_URL`` in ``config``."""
    from requests_service.api import guards, limits, register_blueprints
    from requests_service.api.contract import register_contract_schemas
    from requests_service.api.errors import (
        JsonErrorsMiddleware,
        document_errors,
        register_error_handlers,
    )
    from requests_service.api.schemas_base import request_constraints
    from requests_service.api.spec import ServiceApi
    from requests_service.db import session as db_session
    from requests_service.jobs.commands import register_commands

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(Config.from_env().as_flask_config())
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.session_interface = _CookieSessionInterface()
    # Let werkzeug refuse absurd bodies before reading them; the exact limit is checked per file.
    app.config.setdefault("MAX_CONTENT_LENGTH", app.config["MAX_UPLOAD_BYTES"] + 1024 * 1024)
    db_session.init_app(app)
    _configure_calendar_cache(app)
    _configure_actor_cache(app)
    _refuse_default_secret(app)
    limits.init_app(app)  # before the guard: refused callers are limited before anything else
    guards.init_app(app)  # before the routes: the bounded int converter must be in place
    api = ServiceApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.register_converter(guards.BoundedIntConverter, guards.int_param_schema)
    api.ma_plugin.converter.add_attribute_function(request_constraints)
    from requests_service.jobs.events import install_kick

    install_kick(app)
    register_blueprints(api)
    register_contract_schemas(api)
    document_errors(api)
    app.wsgi_app = JsonErrorsMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    _serve_swagger_ui_assets(app)
    from requests_service.web.routes import bp as web_bp

    app.register_blueprint(web_bp)  # reference pages for applicants under /apply
    register_error_handlers(app)
    register_commands(app)
    from requests_service.letters.service_adapter import missing_fonts

    missing_fonts()  # logs an error at start-up when the letter fonts are not installed
    return app


def _configure_calendar_cache(app: Flask) -> None:
    """How often this process re-reads the calendar's version for the app's database."""
    from requests_service.services.clock import calendar_cache

    seconds = float(app.config["CALENDAR_VERSION_CHECK_SECONDS"])
    calendar_cache(app.extensions["db_engine"]).check_seconds = seconds


def _configure_actor_cache(app: Flask) -> None:
    """How long this process may answer a safe request for a token it resolved earlier."""
    from requests_service.services.access import actor_cache

    seconds = float(app.config["ACTOR_CACHE_SECONDS"])
    actor_cache(app.extensions["db_engine"]).seconds = seconds


class _CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer (a key derivation) on the
    requests that carry no session cookie — every API request: no endpoint stores anything in
    the session. The answer is Flask's own in both cases."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def _serve_swagger_ui_assets(app: Flask) -> None:
    """Swagger UI's JavaScript and CSS from the installed swagger-ui-bundle package."""
    from flask import send_from_directory
    from swagger_ui_bundle import swagger_ui_path

    @app.get("/docs/assets/<path:filename>")
    def swagger_ui_asset(filename: str) -> Any:
        return send_from_directory(swagger_ui_path, filename, max_age=24 * 3600)


def _refuse_default_secret(app: Flask) -> None:
    """Tracking secrets and ID fingerprints are HMACs under SECRET_KEY: a service must not
    start with the published default, except in demo mode, tests and operators' CLI commands."""
    import click

    if app.config["SECRET_KEY"] != Config.SECRET_KEY:
        return
    if app.config.get("DEMO") or app.testing or click.get_current_context(silent=True):
        return
    raise RuntimeError("SECRET_KEY is the built-in default: set SECRET_KEY (or DEMO=1 for a demo).")
