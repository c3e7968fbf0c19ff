"""Administration endpoints: agencies, users and roles, tokens, negative lists (负面清单)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from requests_service.api.admin.schemas import (
    AdminEventSchema,
    AgencyCreateSchema,
    AgencyFontArgsSchema,
    AgencyFontSchema,
    AgencySchema,
    AgencyUpdateSchema,
    EnrolmentSchema,
    FontUploadSchema,
    JobRunSchema,
    LapseReportSchema,
    NegativeListEntryCreateSchema,
    NegativeListEntrySchema,
    NegativeListEntryUpdateSchema,
    NotificationQueryArgsSchema,
    NotificationSchema,
    ReconsiderationOptionsSchema,
    RegroupReportSchema,
    ScheduledJobSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)
from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services import admin as admin_service
from requests_service.services import fonts as font_service
from requests_service.services import notifications as notification_service
from requests_service.services import scheduled
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
        rows, total = admin_service.list_managed_agencies(
            current_session(),
            actor,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(AgencyCreateSchema)
    @blp.response(201, AgencySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create an agency below one you manage"""
        actor = authorised_actor()
        return admin_service.create_agency(
            current_session(), actor, admin_service.AgencyChanges(**data)
        )


@blp.route("/agencies/<int:agency_id>")
class AgencyDetail(MethodView):
    @blp.response(200, AgencySchema)
    def get(self, agency_id: int) -> Any:
        """One agency"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.get_managed_agency(current_session(), actor, agency_id)

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(AgencyUpdateSchema)
    @blp.response(200, AgencySchema)
    def patch(self, data: dict[str, Any], agency_id: int) -> Any:
        """Update an agency, its intake office and settings"""
        actor = authorised_actor()
        return admin_service.update_agency(
            current_session(), actor, agency_id, admin_service.AgencyChanges(**data)
        )


@blp.route("/agencies/<int:agency_id>/fonts")
class AgencyFonts(MethodView):
    @blp.response(200, AgencyFontSchema(many=True))
    def get(self, agency_id: int) -> Any:
        """The agency's official typefaces (body 仿宋, title 小标宋); absent roles use the free
        fallback faces"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return font_service.list_fonts(current_session(), actor, agency_id)

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(AgencyFontArgsSchema, location="query")
    @blp.arguments(FontUploadSchema, location="files")
    @blp.response(201, AgencyFontSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any], agency_id: int) -> Any:
        """Upload a licensed font file (multipart ``file``) or point to one under FONT_DIR
        (``path``); validated (TrueType/OpenType, covers the characters letters print) and used
        only for this agency's letters"""
        actor = authorised_actor()
        upload = files.get("file")
        config = current_app.config
        return font_service.set_font(
            current_session(),
            actor,
            agency_id,
            role=args["role"],
            upload_dir=config["UPLOAD_DIR"],
            font_dir=config.get("FONT_DIR") or None,
            filename=upload.filename if upload else None,
            data=upload.read(font_service.MAX_FONT_BYTES + 1) if upload else None,
            path=args.get("path"),
        )


@blp.route("/agencies/<int:agency_id>/fonts/<string:role>")
class AgencyFontDetail(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(204)
    def delete(self, agency_id: int, role: str) -> None:
        """Stop using the agency's font for this role (letters fall back to the free face)"""
        actor = authorised_actor()
        font_service.remove_font(current_session(), actor, agency_id, role)


@blp.route("/agencies/<int:agency_id>/reconsideration-options")
class AgencyReconsiderationOptions(MethodView):
    @blp.response(200, ReconsiderationOptionsSchema)
    def get(self, agency_id: int) -> Any:
        """Reconsideration body as guided rules (行政复议法 第二十四条、第二十七条): which rule
        applies, the body each would give, and the court wording of the letters"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.reconsideration_options(current_session(), actor, agency_id)


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Users of the agencies you manage"""
        actor = current_actor(Role.AGENCY_ADMIN)
        rows, total = admin_service.list_managed_users(
            current_session(),
            actor,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a user with roles"""
        actor = authorised_actor()
        return admin_service.create_user(current_session(), actor, admin_service.CreateUser(**data))


@blp.route("/users/<int:user_id>")
class UserDetail(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Change a user's name, roles or active flag"""
        actor = authorised_actor()
        return admin_service.update_user(
            current_session(), actor, user_id, admin_service.UpdateUser(**data)
        )


@blp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self, user_id: int) -> Any:
        """A user's tokens (hashes are never shown)"""
        actor = current_actor(Role.AGENCY_ADMIN)
        return admin_service.user_tokens(current_session(), actor, user_id)

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict[str, Any], user_id: int) -> Any:
        """Issue a bearer token for yourself (the plain token is shown only now); for anyone
        else this is refused (403): create an enrolment code instead"""
        actor = authorised_actor()
        return admin_service.issue_token_for(
            current_session(),
            actor,
            user_id,
            data["name"],
            ttl_days=current_app.config["TOKEN_TTL_DAYS"],
        )


@blp.route("/users/<int:user_id>/enrolment")
class UserEnrolment(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(201, EnrolmentSchema)
    def post(self, user_id: int) -> Any:
        """A one-time enrolment code for a user, who redeems it at `POST /auth/enrolment` for a
        token only they see (admins never hold another person's token)"""
        actor = authorised_actor()
        return admin_service.create_enrolment_for(
            current_session(), actor, user_id, ttl_hours=current_app.config["ENROLMENT_TTL_HOURS"]
        )


@blp.route("/tokens/<int:token_id>")
class TokenDetail(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(200, TokenSchema)
    def delete(self, token_id: int) -> Any:
        """Revoke a token"""
        actor = authorised_actor()
        return admin_service.revoke_token(current_session(), actor, token_id)


@blp.route("/agencies/<int:agency_id>/negative-list")
class NegativeList(MethodView):
    @blp.response(200, NegativeListEntrySchema(many=True))
    def get(self, agency_id: int) -> Any:
        """The agency's negative list (负面清单): information it does not disclose, with basis"""
        actor = current_actor(*OFFICERS)
        return admin_service.negative_list(current_session(), actor, agency_id)

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(NegativeListEntryCreateSchema)
    @blp.response(201, NegativeListEntrySchema)
    def post(self, data: dict[str, Any], agency_id: int) -> Any:
        """Add a negative-list entry"""
        actor = authorised_actor()
        return admin_service.create_negative_entry(
            current_session(), actor, agency_id, admin_service.NegativeEntry(**data)
        )


@blp.route("/negative-list/<int:entry_id>")
class NegativeListEntryDetail(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(NegativeListEntryUpdateSchema)
    @blp.response(200, NegativeListEntrySchema)
    def patch(self, data: dict[str, Any], entry_id: int) -> Any:
        """Update or deactivate a negative-list entry"""
        actor = authorised_actor()
        return admin_service.update_negative_entry(
            current_session(), actor, entry_id, admin_service.UpdateNegativeEntry(**data)
        )


@blp.route("/jobs/close-lapsed")
class CloseLapsedJob(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(200, LapseReportSchema)
    def post(self) -> Any:
        """Close cases whose correction or fee period lapsed (also run daily by `flask
        close-lapsed`); idempotent"""
        actor = authorised_actor()
        return admin_service.close_lapsed_in_managed(current_session(), actor)


@blp.route("/agencies/<int:agency_id>/topic-regrouping")
class TopicRegrouping(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(200, RegroupReportSchema)
    def post(self, agency_id: int) -> Any:
        """Regroup the agency's undecided topics with the current rule and the officers'
        must-link/cannot-link corrections, recomputing Art. 44 candidacy (also `flask
        regroup-topics --agency N`); audited, idempotent"""
        actor = authorised_actor()
        return admin_service.regroup_agency_topics(current_session(), actor, agency_id)


@blp.route("/jobs")
class ScheduledJobs(MethodView):
    @blp.response(200, ScheduledJobSchema(many=True))
    def get(self) -> Any:
        """The scheduled daily jobs and each one's last run (when, outcome, error)"""
        current_actor(Role.AGENCY_ADMIN)
        names = list(scheduled.JOB_LABELS)
        runs = scheduled.last_runs(current_session(), names)
        return [
            {
                "job": name,
                "label": scheduled.JOB_LABELS[name],
                "schedule": "每日一次（Asia/Shanghai 日期）",
                "last_run": runs[name],
            }
            for name in names
        ]


@blp.route("/jobs/runs")
class JobRuns(MethodView):
    @blp.response(200, JobRunSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """History of scheduled job runs, newest first"""
        current_actor(Role.AGENCY_ADMIN)
        rows, total = paginate(
            current_session(),
            scheduled.runs_query(),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.arguments(NotificationQueryArgsSchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Notifications to applicants and handlers: status, attempts, last error (no text)"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        rows, total = paginate(
            session,
            notification_service.notifications_query(session, actor, status=args.get("status")),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/notifications/<int:notification_id>/resend")
class NotificationResend(MethodView):
    @requires_roles(Role.AGENCY_ADMIN)
    @blp.response(200, NotificationSchema)
    def post(self, notification_id: int) -> Any:
        """Send a failed notification again (audited)"""
        actor = authorised_actor()
        return notification_service.resend_notification(current_session(), actor, notification_id)


@blp.route("/events")
class AdminEvents(MethodView):
    @blp.response(200, AdminEventSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Audit trail of administrative changes in the agencies you manage, newest first"""
        actor = current_actor(Role.AGENCY_ADMIN)
        rows, total = admin_service.admin_events(
            current_session(),
            actor,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows
