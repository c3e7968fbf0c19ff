"""Officer endpoints: case list, registration, detail, actions, assignment, notes, files."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from sqlalchemy import select

from requests_service.api.auth import current_actor
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
    TransitionSchema,
)
from requests_service.api.etags import case_etag_data, check_if_match
from requests_service.api.schemas_base import BaseSchema
from requests_service.db.models import Attachment, Case, Note
from requests_service.db.session import current_session
from requests_service.domain.deadlines import correction_notice_due
from requests_service.domain.lifecycle import CaseFacts, Role, allowed_actions
from requests_service.services import attachments as attachment_service
from requests_service.services import cases as case_service
from requests_service.services.audit import verify_case_chain
from requests_service.services.clock import case_clock, load_calendar
from requests_service.services.dashboard import dashboard
from requests_service.services.fees import assessments_of
from requests_service.services.history import case_events, record_event
from requests_service.services.queries import case_list_query, paginate
from requests_service.services.unit_of_work import UnitOfWork

blp = Blueprint("cases", __name__, url_prefix="/cases", description="案件办理（工作人员）")

OFFICER_ROLES = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
WORKING_ROLES = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER)


def _detail(case: Case, actor_roles: frozenset[Role]) -> Case:
    """Attach what the detail view adds to the stored case: next actions and the clock."""
    session = current_session()
    facts = CaseFacts(
        correction_requested_before=case.correction_requested, extended_before=case.extended
    )
    actions: dict[str, dict[str, str]] = {}
    for role in actor_roles:
        for action in allowed_actions(case.state, role, facts):
            actions[action.value] = {"action": action.value, "label": action.label}
    case.allowed_actions = sorted(actions.values(), key=lambda a: a["action"])  # type: ignore[attr-defined]
    calendar = load_calendar(session)
    case.clock = case_clock(session, case, calendar=calendar)  # type: ignore[attr-defined]
    # The agency's own deadline: a correction notice within 7 working days of receipt (Art. 30).
    case.correction_notice_due_on = (  # type: ignore[attr-defined]
        correction_notice_due(calendar, case.receipt_date) if case.receipt_date else None
    )
    case.fees = assessments_of(session, case.id)  # type: ignore[attr-defined]
    return case


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQueryArgsSchema, location="query")
    @blp.response(200, CaseSummarySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List cases of your agency (oversight: of the agencies under you), filtered and sorted"""
        actor = current_actor(*OFFICER_ROLES)
        session = current_session()
        rows, total = paginate(
            session,
            case_list_query(actor, args, calendar=load_calendar(session)),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows

    @blp.doc(
        parameters=[
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 60},
                "description": "同一次登记的重试使用同一值（如超时或503后），保证不会登记两个案件",
            }
        ]
    )
    @blp.arguments(CaseRegisterSchema)
    @blp.response(201, RegisteredCaseSchema)
    @blp.alt_response(200, schema=RegisteredCaseSchema, description="重复提交，返回首次登记结果")
    def post(self, data: dict[str, Any]) -> Any:
        """Register an application received in person, by post, fax or e-mail (登记)"""
        actor = current_actor(Role.REGISTRAR)
        session = current_session()
        secret_key = current_app.config["SECRET_KEY"]
        key = request.headers.get("Idempotency-Key")
        if key is None:
            case, secret = case_service.register_case(session, actor, data, secret_key=secret_key)
            case.tracking_secret = secret  # type: ignore[attr-defined]
            return _detail(case, actor.role_set)
        if not (1 <= len(key.strip()) <= 60):
            abort(400, message="Idempotency-Key长度应为1至60个字符。")

        def render(case: Case, secret: str) -> dict[str, Any]:
            case.tracking_secret = secret  # type: ignore[attr-defined]
            dumped: dict[str, Any] = RegisteredCaseSchema().dump(_detail(case, actor.role_set))
            return dumped

        body, replayed = case_service.register_case_once(
            session, actor, data, secret_key=secret_key, idempotency_key=key.strip(), render=render
        )
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
    @blp.etag
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id: int) -> Any:
        """Case detail, with the actions you may take next and the deadline clock"""
        actor = current_actor(*OFFICER_ROLES)
        case = case_service.get_case_for(current_session(), actor, case_id)
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)

    @blp.etag
    @blp.arguments(CaseUpdateSchema)
    @blp.response(200, CaseDetailSchema)
    def patch(self, data: dict[str, Any], case_id: int) -> Any:
        """Correct the recorded application details (requires If-Match)"""
        actor = current_actor(*WORKING_ROLES)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        blp.check_etag(case_etag_data(case))
        case = case_service.update_case(session, actor, case, data)
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)


@blp.route("/<int:case_id>/transitions")
class CaseTransitions(MethodView):
    @blp.etag
    @blp.arguments(TransitionSchema)
    @blp.response(200, CaseDetailSchema)
    @blp.alt_response(409, description="该操作在当前状态下不允许")
    @blp.alt_response(412, description="If-Match与当前版本不符")
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Apply a lifecycle action (If-Match optional; a stale one gets 412)"""
        actor = current_actor(*WORKING_ROLES)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        check_if_match(case)
        action = data.pop("action")
        case = case_service.apply_action(session, actor, case, action, data)
        blp.set_etag(case_etag_data(case))
        return _detail(case, actor.role_set)


@blp.route("/<int:case_id>/assignee")
class CaseAssignee(MethodView):
    @blp.etag
    @blp.arguments(AssignSchema)
    @blp.response(200, CaseDetailSchema)
    def put(self, data: dict[str, Any], case_id: int) -> Any:
        """Assign (or unassign with null) the handler (requires If-Match)"""
        actor = current_actor(Role.APPROVER, Role.REGISTRAR, Role.AGENCY_ADMIN)
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
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return session.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.id)).all()

    @blp.arguments(NoteCreateSchema)
    @blp.response(201, NoteSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Add an internal note"""
        actor = current_actor(*WORKING_ROLES)
        session = current_session()
        with UnitOfWork(session) as uow:
            case = case_service.get_case_for(session, actor, case_id)
            if case.state.is_read_only:
                abort(409, message="已归档的案件为只读，不能添加备注。")
            assert actor.user_id is not None
            note = Note(case_id=case.id, author_id=actor.user_id, body=data["body"])
            session.add(note)
            session.flush()
            record_event(
                session,
                case,
                actor=actor,
                role=actor.primary_role,
                action="note",
                from_state=case.state,
                to_state=case.state,
                data={"note_id": note.id},
            )
            uow.commit()
        return note


class FileUploadSchema(BaseSchema):
    file = Upload(required=True)


@blp.route("/<int:case_id>/attachments")
class CaseAttachments(MethodView):
    @blp.response(200, AttachmentSchema(many=True))
    def get(self, case_id: int) -> Any:
        """Attachments of a case"""
        actor = current_actor(*OFFICER_ROLES)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all()

    @blp.arguments(AttachmentUploadSchema, location="query")
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, AttachmentSchema)
    @blp.alt_response(413, description="文件过大")
    @blp.alt_response(415, description="文件类型不允许")
    def post(self, args: dict[str, Any], files: dict[str, Any], case_id: int) -> Any:
        """Upload an attachment (PDF, JPEG, PNG, Word, text; size limited)"""
        actor = current_actor(*WORKING_ROLES)
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
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or attachment.case_id != case.id:
            abort(404, message="附件不存在。")
        path = attachment_service.path_of(current_app.config["UPLOAD_DIR"], attachment.sha256)
        if not path.exists():
            abort(410, message="附件文件已丢失，请联系管理员。")
        return send_file(
            path,
            mimetype=attachment.content_type,
            as_attachment=True,
            download_name=attachment.filename,
        )
