"""Officers' own credentials: redeem a one-time enrolment code, renew one's own token."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from requests_service.api.admin.schemas import EnrolmentRedeemSchema, TokenCreateSchema, TokenSchema
from requests_service.api.auth import current_actor
from requests_service.api.blueprint import Blueprint
from requests_service.api.limits import tracking_failure_limit
from requests_service.db.session import current_session
from requests_service.services import admin as admin_service

blp = Blueprint(
    "auth", __name__, url_prefix="/auth", description="工作人员凭证：兑换一次性登记码、续签本人令牌"
)


@blp.route("/enrolment")
class EnrolmentRedeem(MethodView):
    @tracking_failure_limit
    @blp.doc(security=[{}])
    @blp.arguments(EnrolmentRedeemSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Redeem a one-time enrolment code for your own bearer token (shown only now)"""
        return admin_service.redeem_enrolment_view(
            current_session(),
            data["code"],
            name=data["name"] or "enrolment",
            ttl_days=current_app.config["TOKEN_TTL_DAYS"],
        )


@blp.route("/tokens")
class OwnTokens(MethodView):
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Issue yourself a new token (e.g. before the current one expires)"""
        actor = current_actor()
        return admin_service.issue_own_token(
            current_session(), actor, data["name"], ttl_days=current_app.config["TOKEN_TTL_DAYS"]
        )
