"""Officer endpoints: case list, registration, detail, actions, assignment, notes, files."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import abort
from flask_smorest.fields import Upload

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.cases.schemas import (
    AssignSchema,
    AttachmentSchema,
    AttachmentUploadSchema,
    CaseDetailSchema,
    CaseQueryArgsSchema,
    CaseRegisterSchema,
    CaseSummarySchema,
    CaseUpdateSchema,
    DashboardSchema,
    EventSchema,
    NoteCreateSchema,
    NoteSchema,
    RegisteredCaseSchema,
)
from requests_service.api.commands import action_command, registration_from
from requests_service.api.contract import TRANSITION_SCHEMAS, load_one_of, one_of_body
from requests_service.api.downloads import path_response
from requests_service.api.errors import ErrorSchema
from requests_service.api.etags import IF_MATCH, case_etag_data, check_if_match
from requests_service.api.schemas_base import BaseSchema
from requests_service.db.session import current_session, reads_only
from requests_service.domain.lifecycle import Action, Role
from requests_service.jobs import placement as placement_jobs
from requests_service.services import attachments as attachment_service
from requests_service.services import case_views
from requests_service.services import cases as case_service
from requests_service.services.audit import verify_case_chain
from requests_service.services.dashboard import dashboard
from requests_service.services.history import case_events
from requests_service.services.views import Record

blp = Blueprint("cases", __name__, url_prefix="/cases", description="案件办理（工作人员）")

OFFICER_ROLES = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
WORKING_ROLES = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER)


def _detail(case: case_views.Case | Record, actor_roles: frozenset[Role], **extra: Any) -> Any:
    return case_views.case_detail(current_session(), case, actor_roles, **extra)


@blp.route("")
class Cases(MethodView):
    @reads_only
    @blp.arguments(CaseQueryArgsSchema(), location="query")  # an instance: not one per request
    @blp.response(200, CaseSummarySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List cases of your agency (oversight: of the agencies under you), filtered and sorted

        `X-Pagination.total` is exact up to 10000 matching cases; beyond that it says 10000
        (a lower bound; `next_page` is still right) unless `exact_total=true` is asked."""
        actor = current_actor(*OFFICER_ROLES)
        exact_total = bool(args.pop("exact_total", False))
        rows, total = case_views.list_cases(
            current_session(),
            actor,
            case_views.CaseFilters(**args),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            exact_total=exact_total,
        )
        pagination_parameters.item_count = total
        return rows

    @requires_roles(Role.REGISTRAR)
    @blp.doc(
        parameters=[
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "\\S"},
                "description": "同一次登记的重试使用同一值（如超时或503后），保证不会登记两个案件",
            }
        ]
    )
    @blp.arguments(CaseRegisterSchema)
    @blp.response(201, RegisteredCaseSchema)
    @blp.alt_response(200, schema=RegisteredCaseSchema, description="重复提交，返回首次登记结果")
    def post(self, data: dict[str, Any]) -> Any:
        """Register an application received in person, by post, fax or e-mail (登记)"""
        actor = authorised_actor()
        session = current_session()
        secret_key = current_app.config["SECRET_KEY"]
        key = request.headers.get("Idempotency-Key")
        registration = registration_from(data)
        deferred = placement_jobs.deferred(current_app)
        if key is None:
            case, secret = case_service.register_case(
                session, actor, registration, secret_key=secret_key, defer_placement=deferred
            )
            if deferred:
                placement_jobs.kick(current_app)
            return _detail(case, actor.role_set, tracking_secret=secret)
        if not (1 <= len(key.strip()) <= 60):
            abort(400, message="Idempotency-Key长度应为1至60个字符。")

        def render(case: case_views.Case, secret: str) -> dict[str, Any]:
            detail = _detail(case, actor.role_set, tracking_secret=secret)
            dumped: dict[str, Any] = RegisteredCaseSchema().dump(detail)
            return dumped

        body, replayed = case_service.register_case_once(
            session,
            actor,
            registration,
            secret_key=secret_key,
            idempotency_key=key.strip(),
            render=render,
            defer_placement=deferred,
        )
        if deferred:
            placement_jobs.kick(current_app)
        return jsonify(body), 200 if replayed else 201


@blp.route("/dashboard")
class CaseDashboard(MethodView):
    @blp.response(200, DashboardSchema)
    def get(self) -> Any:
        """Deadline dashboard: open, paused, due within 3 working days, overdue — per agency
        and per handler"""
        actor = current_actor(*OFFICER_ROLES)
        return dashboard(current_session(), actor)


@blp.route("/<int:case_id>")
class CaseDetail(MethodView):
    @reads_only
    @blp.etag
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id: int) -> Any:
        """Case detail, with the actions you may take next and the deadline clock"""
        actor = current_actor(*OFFICER_ROLES)
        case = case_views.read_case_for(current_session(), actor, case_id)
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)

    @requires_roles(*WORKING_ROLES)
    @blp.etag
    @blp.arguments(CaseUpdateSchema)
    @blp.response(200, CaseDetailSchema)
    def patch(self, data: dict[str, Any], case_id: int) -> Any:
        """Correct the recorded application details (requires If-Match)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        blp.check_etag(case_etag_data(case))
        case = case_service.update_case(session, actor, case, case_service.CaseCorrection(**data))
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)


@blp.route("/<int:case_id>/transitions")
class CaseTransitions(MethodView):
    @requires_roles(*WORKING_ROLES)
    @blp.etag
    @blp.doc(requestBody=one_of_body(TRANSITION_SCHEMAS, "action"), parameters=[IF_MATCH])
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="该操作在当前状态下不允许")
    @blp.alt_response(412, schema=ErrorSchema, description="If-Match与当前版本不符")
    def post(self, case_id: int) -> Any:
        """Apply a lifecycle action (If-Match optional; a stale one gets 412)

        The body is one of the per-action schemas (discriminator ``action``): each lists the
        fields that action needs; the others are refused."""
        data = load_one_of(TRANSITION_SCHEMAS, "action")
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        check_if_match(case)
        action = Action(data.pop("action"))
        case = case_service.apply_action(session, actor, case, action, action_command(action, data))
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)


@blp.route("/<int:case_id>/assignee")
class CaseAssignee(MethodView):
    @requires_roles(Role.APPROVER, Role.REGISTRAR, Role.AGENCY_ADMIN)
    @blp.etag
    @blp.arguments(AssignSchema)
    @blp.response(200, CaseDetailSchema)
    def put(self, data: dict[str, Any], case_id: int) -> Any:
        """Assign (or unassign with null) the handler (requires If-Match)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        blp.check_etag(case_etag_data(case))
        case = case_service.assign_case(session, actor, case, data["assignee_id"])
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)


@blp.route("/<int:case_id>/history")
class CaseHistory(MethodView):
    @blp.response(
        200,
        EventSchema(many=True),
        headers={
            "X-Audit-Chain": {
                "description": (
                    "审计哈希链校验结果：intact，或 broken; event_id=…; seq=…"
                    "（第一个被修改、删除或插入的事件）"
                ),
                "schema": {"type": "string"},
            }
        },
    )
    def get(self, case_id: int) -> Any:
        """The full audit trail of a case, oldest first, with the hash chain verified"""
        actor = current_actor(*OFFICER_ROLES)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        broken = verify_case_chain(session, case.id)
        status = (
            "intact" if broken is None else f"broken; event_id={broken.event_id}; seq={broken.seq}"
        )
        return case_events(session, case.id), 200, {"X-Audit-Chain": status}


@blp.route("/<int:case_id>/notes")
class CaseNotes(MethodView):
    @blp.response(200, NoteSchema(many=True))
    def get(self, case_id: int) -> Any:
        """Internal notes (never shown to the applicant)"""
        actor = current_actor(*OFFICER_ROLES)
        return case_views.case_notes(current_session(), actor, case_id)

    @requires_roles(*WORKING_ROLES)
    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Add an internal note"""
        actor = authorised_actor()
        return case_views.add_note(current_session(), actor, case_id, data["body"])


class FileUploadSchema(BaseSchema):
    file = Upload(required=True)


@blp.route("/<int:case_id>/attachments")
class CaseAttachments(MethodView):
    @blp.response(200, AttachmentSchema(many=True))
    def get(self, case_id: int) -> Any:
        """Attachments of a case"""
        actor = current_actor(*OFFICER_ROLES)
        return case_views.case_attachments(current_session(), actor, case_id)

    @requires_roles(*WORKING_ROLES)
    @blp.arguments(AttachmentUploadSchema, location="query")
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(413, description="文件过大")
    @blp.alt_response(415, description="文件类型不允许")
    def post(self, args: dict[str, Any], files: dict[str, Any], case_id: int) -> Any:
        """Upload an attachment (PDF, JPEG, PNG, Word, text; size limited)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return attachment_service.store_attachment(
            session,
            actor,
            case,
            files["file"],
            kind=args["kind"],
            upload_dir=current_app.config["UPLOAD_DIR"],
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            allowed_types=current_app.config["ALLOWED_UPLOAD_TYPES"],
        )


@blp.route("/<int:case_id>/attachments/<int:attachment_id>")
class CaseAttachmentFile(MethodView):
    @blp.response(200, description="文件内容")
    def get(self, case_id: int, attachment_id: int) -> Any:
        """Download an attachment"""
        actor = current_actor(*OFFICER_ROLES)
        try:
            attachment, path = case_views.attachment_file(
                current_session(),
                actor,
                case_id,
                attachment_id,
                upload_dir=current_app.config["UPLOAD_DIR"],
            )
        except case_views.AttachmentFileMissing:
            abort(410, message="附件文件已丢失，请联系管理员。")
        return path_response(path, mimetype=attachment.content_type, filename=attachment.filename)
