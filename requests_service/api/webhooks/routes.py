"""Webhook subscriptions per agency, delivery log, dead letters, manual re-send."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.webhooks.schemas import (
    DeliveryDetailSchema,
    DeliveryQueryArgsSchema,
    DeliverySchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
    SubscriptionUpdateSchema,
    SubscriptionWithSecretSchema,
    callbacks,
)
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services import webhooks as webhook_service
from requests_service.services.queries import paginate

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/webhooks",
    description="事件回调（Webhook）：订阅、投递日志、死信与重新发送",
)


def _allowed_hosts() -> tuple[str, ...]:
    return tuple(current_app.config.get("WEBHOOK_ALLOWED_HOSTS") or ())


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @blp.response(200, SubscriptionSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Webhook subscriptions of the agencies you manage"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        rows, total = paginate(
            session,
            webhook_service.subscriptions_query(session, actor),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(SubscriptionCreateSchema)
    @blp.response(201, SubscriptionWithSecretSchema)
    @blp.doc(callbacks=callbacks())
    def post(self, data: dict[str, Any]) -> Any:
        """Subscribe a system to an agency's events (audited); the signing secret is shown once"""
        actor = authorised_actor()
        sub, _secret = webhook_service.create_subscription(
            current_session(),
            actor,
            webhook_service.CreateSubscription(**data),
            allowed_hosts=_allowed_hosts(),
        )
        return sub


@blp.route("/subscriptions/<int:subscription_id>")
class SubscriptionDetail(MethodView):
    @blp.response(200, SubscriptionSchema)
    def get(self, subscription_id: int) -> Any:
        """One subscription (never its secret)"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return webhook_service.get_subscription(current_session(), actor, subscription_id)

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(SubscriptionUpdateSchema)
    @blp.response(200, SubscriptionSchema)
    def patch(self, data: dict[str, Any], subscription_id: int) -> Any:
        """Change URL, event types, description or active flag (audited)"""
        actor = authorised_actor()
        sub, _secret = webhook_service.update_subscription(
            current_session(),
            actor,
            subscription_id,
            webhook_service.UpdateSubscription(**data),
            allowed_hosts=_allowed_hosts(),
        )
        return sub


@blp.route("/subscriptions/<int:subscription_id>/secret")
class SubscriptionSecret(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(200, SubscriptionWithSecretSchema)
    def post(self, subscription_id: int) -> Any:
        """Rotate the signing secret; the new one is shown only now (audited)"""
        actor = authorised_actor()
        sub, _secret = webhook_service.update_subscription(
            current_session(),
            actor,
            subscription_id,
            webhook_service.UpdateSubscription(rotate_secret=True),
            allowed_hosts=_allowed_hosts(),
        )
        return sub


@blp.route("/subscriptions/<int:subscription_id>/deliveries")
class SubscriptionDeliveries(MethodView):
    @blp.arguments(DeliveryQueryArgsSchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], subscription_id: int, pagination_parameters: Any) -> Any:
        """Delivery log of a subscription, newest first"""
        return _deliveries(pagination_parameters, subscription_id=subscription_id, **args)


@blp.route("/dead-letters")
class DeadLetters(MethodView):
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Deliveries given up after the retry limit, with the last error"""
        return _deliveries(pagination_parameters, status="dead")


def _deliveries(pagination_parameters: Any, **filters: Any) -> Any:
    actor = current_actor(Role.AGENCY_ADMIN)
    session = current_session()
    rows, total = paginate(
        session,
        webhook_service.deliveries_query(session, actor, **filters),
        page=pagination_parameters.page,
        page_size=pagination_parameters.page_size,
        scalars=False,
    )
    pagination_parameters.item_count = total
    return [webhook_service.delivery_view(*row) for row in rows]


@blp.route("/deliveries/<int:delivery_id>")
class DeliveryDetail(MethodView):
    @blp.response(200, DeliveryDetailSchema)
    def get(self, delivery_id: int) -> Any:
        """One delivery with its payload and every attempt"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return webhook_service.get_delivery(current_session(), actor, delivery_id)


@blp.route("/deliveries/<int:delivery_id>/resend")
class DeliveryResend(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(200, DeliveryDetailSchema)
    def post(self, delivery_id: int) -> Any:
        """Send a delivery again (same event id; a fresh set of retries; audited)"""
        actor = authorised_actor()
        view = webhook_service.resend(current_session(), actor, delivery_id)
        if current_app.config.get("EVENT_DELIVERY", "rq") == "rq":
            from requests_service.jobs.events import kick

            kick(current_app)
        return view
