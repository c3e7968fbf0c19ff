"""HTTP adapter: one flask-smorest blueprint per resource."""

from __future__ import annotations

from flask_smorest import Api

from requests_service.api.guards import install_pagination_bound

# Before any route module (they all live in this package) builds its pagination arguments.
install_pagination_bound()


def register_blueprints(api: Api) -> None:
    from requests_service.api.admin.routes import blp as admin_blp
    from requests_service.api.calendar.routes import blp as calendar_blp
    from requests_service.api.cases.routes import blp as cases_blp
    from requests_service.api.decisions.routes import blp as decisions_blp
    from requests_service.api.enrolment.routes import blp as auth_blp
    from requests_service.api.fees.routes import blp as fees_blp
    from requests_service.api.letters.routes import blp as letters_blp
    from requests_service.api.meta.routes import blp as meta_blp
    from requests_service.api.oversight.routes import blp as oversight_blp
    from requests_service.api.public.routes import blp as public_blp
    from requests_service.api.stats.routes import blp as stats_blp
    from requests_service.api.topics.routes import blp as topics_blp
    from requests_service.api.webhooks.routes import blp as webhooks_blp

    for blp in (
        public_blp,
        cases_blp,
        decisions_blp,
        letters_blp,
        calendar_blp,
        fees_blp,
        oversight_blp,
        topics_blp,
        admin_blp,
        auth_blp,
        meta_blp,
        stats_blp,
        webhooks_blp,
    ):
        api.register_blueprint(blp)
