"""Administration endpoints: agencies, users and roles, tokens, negative lists (负面清单)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from requests_service.api.admin.schemas import (
    AdminEventSchema,
    AgencyCreateSchema,
    AgencySchema,
    AgencyUpdateSchema,
    EnrolmentSchema,
    LapseReportSchema,
    NegativeListEntryCreateSchema,
    NegativeListEntrySchema,
    NegativeListEntryUpdateSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from requests_service.api.auth import current_actor
from requests_service.db.models import AdminEvent, Agency, ApiToken, NegativeListEntry, User
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services import admin as admin_service
from requests_service.services.lapses import close_lapsed_cases
from requests_service.services.queries import paginate

blp = Blueprint(
    "admin", __name__, url_prefix="/admin", description="系统管理：机关、用户、角色、令牌、负面清单"
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)


@blp.route("/agencies")
class Agencies(MethodView):
    @blp.response(200, AgencySchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Agencies you manage (your own and those below it)"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        ids = admin_service.managed_agency_ids(session, actor)
        rows, total = paginate(
            session,
            select(Agency).where(Agency.id.in_(ids)).order_by(Agency.id),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows

    @blp.arguments(AgencyCreateSchema)
    @blp.response(201, AgencySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an agency below one you manage"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.create_agency(current_session(), actor, data)


@blp.route("/agencies/<int:agency_id>")
class AgencyDetail(MethodView):
    @blp.response(200, AgencySchema)
    def get(self, agency_id: int) -> Any:
        """One agency"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.get_managed_agency(current_session(), actor, agency_id)

    @blp.arguments(AgencyUpdateSchema)
    @blp.response(200, AgencySchema)
    def patch(self, data: dict[str, Any], agency_id: int) -> Any:
        """Update an agency, its intake office and settings"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.update_agency(current_session(), actor, agency_id, data)


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Users of the agencies you manage"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        ids = admin_service.managed_agency_ids(session, actor)
        rows, total = paginate(
            session,
            select(User).where(User.agency_id.in_(ids)).order_by(User.id),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a user with roles"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.create_user(current_session(), actor, data)


@blp.route("/users/<int:user_id>")
class UserDetail(MethodView):
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Change a user's name, roles or active flag"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.update_user(current_session(), actor, user_id, data)


@blp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self, user_id: int) -> Any:
        """A user's tokens (hashes are never shown)"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        user = admin_service.get_managed_user(session, actor, user_id)
        return session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        ).all()

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict[str, Any], user_id: int) -> Any:
        """Issue a bearer token for yourself (the plain token is shown only now); for anyone
        else this is refused (403): create an enrolment code instead"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        user = admin_service.get_managed_user(session, actor, user_id)
        token, plain = admin_service.issue_token(
            session, user, data["name"], actor, ttl_days=current_app.config["TOKEN_TTL_DAYS"]
        )
        token.token = plain  # type: ignore[attr-defined]
        return token


@blp.route("/users/<int:user_id>/enrolment")
class UserEnrolment(MethodView):
    @blp.response(201, EnrolmentSchema)
    def post(self, user_id: int) -> Any:
        """A one-time enrolment code for a user, who redeems it at `POST /auth/enrolment` for a
        token only they see (admins never hold another person's token)"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        user = admin_service.get_managed_user(session, actor, user_id)
        enrolment, plain = admin_service.create_enrolment(
            session, actor, user, ttl_hours=current_app.config["ENROLMENT_TTL_HOURS"]
        )
        enrolment.code = plain  # type: ignore[attr-defined]
        return enrolment


@blp.route("/tokens/<int:token_id>")
class TokenDetail(MethodView):
    @blp.response(200, TokenSchema)
    def delete(self, token_id: int) -> Any:
        """Revoke a token"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.revoke_token(current_session(), actor, token_id)


@blp.route("/agencies/<int:agency_id>/negative-list")
class NegativeList(MethodView):
    @blp.response(200, NegativeListEntrySchema(many=True))
    def get(self, agency_id: int) -> Any:
        """The agency's negative list (负面清单): information it does not disclose, with basis"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        if not actor.can_see_agency(agency_id):
            admin_service.get_managed_agency(session, actor, agency_id)
        return session.scalars(
            select(NegativeListEntry)
            .where(NegativeListEntry.agency_id == agency_id)
            .order_by(NegativeListEntry.id)
        ).all()

    @blp.arguments(NegativeListEntryCreateSchema)
    @blp.response(201, NegativeListEntrySchema)
    def post(self, data: dict[str, Any], agency_id: int) -> Any:
        """Add a negative-list entry"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.create_negative_entry(current_session(), actor, agency_id, data)


@blp.route("/negative-list/<int:entry_id>")
class NegativeListEntryDetail(MethodView):
    @blp.arguments(NegativeListEntryUpdateSchema)
    @blp.response(200, NegativeListEntrySchema)
    def patch(self, data: dict[str, Any], entry_id: int) -> Any:
        """Update or deactivate a negative-list entry"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.update_negative_entry(current_session(), actor, entry_id, data)


@blp.route("/jobs/close-lapsed")
class CloseLapsedJob(MethodView):
    @blp.response(200, LapseReportSchema)
    def post(self) -> Any:
        """Close cases whose correction or fee period lapsed (also run daily by `flask
        close-lapsed`); idempotent"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        ids = admin_service.managed_agency_ids(session, actor)
        return close_lapsed_cases(session, agency_ids=ids)


@blp.route("/events")
class AdminEvents(MethodView):
    @blp.response(200, AdminEventSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Audit trail of administrative changes in the agencies you manage, newest first"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        ids = admin_service.managed_agency_ids(session, actor)
        rows, total = paginate(
            session,
            select(AdminEvent).where(AdminEvent.agency_id.in_(ids)).order_by(AdminEvent.id.desc()),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows
