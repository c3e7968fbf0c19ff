"""Public endpoints for the online application form and for applicants tracking their case."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields, validate

from requests_service.api.blueprint import Blueprint
from requests_service.api.cases.routes import FileUploadSchema
from requests_service.api.commands import submission_from
from requests_service.api.downloads import pdf_response
from requests_service.api.errors import ErrorSchema
from requests_service.api.limits import (
    form_pdf_limit,
    submission_limit,
    tracking_failure_limit,
    tracking_limit,
)
from requests_service.api.public.schemas import (
    ApplicantFileSchema,
    ApplicantUploadArgsSchema,
    ApplicationSubmitSchema,
    NotificationPreferencesOutSchema,
    NotificationPreferencesSchema,
    PublicAgencyQueryArgsSchema,
    PublicAgencySchema,
    PublicCorrectionSchema,
    PublicWithdrawSchema,
    SubmissionReceiptSchema,
    TrackingSchema,
)
from requests_service.api.schemas_base import BaseSchema
from requests_service.db.session import current_session, reads_only
from requests_service.domain.lifecycle import Action
from requests_service.jobs import placement as placement_jobs
from requests_service.letters.service_adapter import pdf_renderer
from requests_service.services import applicant_uploads, public_view
from requests_service.services import cases as case_service
from requests_service.services import letters as letter_service
from requests_service.services.access import APPLICANT
from requests_service.services.case_commands import Reasoned, ReceiveCorrection
from requests_service.services.tracking import download_signature_valid, signed_download_path

blp = Blueprint(
    "public", __name__, url_prefix="/public", description="公开接口：在线申请与申请人查询进度"
)

SECRET_HEADER = "X-Tracking-Secret"
PUBLIC: list[dict[str, list[str]]] = []  # no authentication (overrides the global bearerAuth)


@blp.route("/agencies")
class PublicAgencies(MethodView):
    @blp.doc(security=PUBLIC)
    @blp.arguments(PublicAgencyQueryArgsSchema, location="query")
    @blp.response(200, PublicAgencySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Agencies that accept applications, with their intake office (受理机构及联系方式)"""
        rows, total = public_view.public_agencies(
            current_session(),
            q=args.get("q"),
            parent_id=args.get("parent_id"),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("/applications")
class PublicApplications(MethodView):
    @blp.doc(
        security=PUBLIC,
        parameters=[
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"},
                "description": "同一次提交的重试使用同一值，保证不会生成两个案件",
            }
        ],
    )
    @submission_limit
    @blp.arguments(ApplicationSubmitSchema)
    @blp.response(201, SubmissionReceiptSchema)
    @blp.alt_response(200, schema=SubmissionReceiptSchema, description="重复提交，返回首次结果")
    def post(self, data: dict[str, Any]) -> Any:
        """Submit an application online (it awaits confirmation of receipt, Art. 31)"""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (1 <= len(key.strip()) <= 100):
            abort(400, message="Idempotency-Key长度应为1至100个字符。")
        deferred = placement_jobs.deferred(current_app)
        body, replayed = case_service.submit_online(
            current_session(),
            submission_from(data),
            secret_key=current_app.config["SECRET_KEY"],
            idempotency_key=key.strip() if key else None,
            render=public_view.submission_receipt,
            defer_placement=deferred,
        )
        if deferred:
            placement_jobs.kick(current_app)  # committed: the case is there to be placed
        return body, 200 if replayed else 201


def _link(letter_id: int) -> str:
    return signed_download_path(
        letter_id,
        key=current_app.config["SECRET_KEY"],
        now=time.time(),
        lifetime=int(current_app.config["SIGNED_LINK_SECONDS"]),
    )


def _credentials() -> tuple[str, str]:
    """The tracking secret the applicant sent and the key its stored hash is made with."""
    return request.headers.get(SECRET_HEADER, ""), current_app.config["SECRET_KEY"]


def _tracked_case(code: str) -> Any:
    """The tracked case as an entity, for the applicant's writes."""
    return case_service.get_case_by_tracking(current_session(), code, *_credentials())


def _tracking(code: str) -> dict[str, Any]:
    """The tracking view of the tracked case, which is read for it as a record (not an entity:
    nothing is written)."""
    session = current_session()
    case = public_view.read_tracked_case(session, code, *_credentials())
    return public_view.tracking_view(session, case, _link)


SECRET_PARAM = {
    "name": SECRET_HEADER,
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "提交申请时获得的查询密码",
}


@blp.route("/tracking/<string:code>")
class PublicTracking(MethodView):
    @reads_only
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.response(200, TrackingSchema)
    def get(self, code: str) -> Any:
        """Track a case: state in Chinese, public timeline, due date, why the clock is paused"""
        return _tracking(code)


@blp.route("/tracking/<string:code>/correction")
class PublicCorrection(MethodView):
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.arguments(PublicCorrectionSchema)
    @blp.response(200, TrackingSchema)
    def post(self, data: dict[str, Any], code: str) -> Any:
        """Submit the correction (补正) the agency asked for; the reply period restarts (Art. 30)"""
        session = current_session()
        case = _tracked_case(code)
        case_service.apply_action(
            session, APPLICANT, case, Action.RECEIVE_CORRECTION, ReceiveCorrection(**data)
        )
        return public_view.tracking_view(session, case, _link)


@blp.route("/tracking/<string:code>/withdrawal")
class PublicWithdrawal(MethodView):
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.arguments(PublicWithdrawSchema)
    @blp.response(200, TrackingSchema)
    def post(self, data: dict[str, Any], code: str) -> Any:
        """Withdraw the application before it is answered (撤回申请)"""
        session = current_session()
        case = _tracked_case(code)
        case_service.apply_action(session, APPLICANT, case, Action.WITHDRAW, Reasoned(**data))
        return public_view.tracking_view(session, case, _link)


@blp.route("/tracking/<string:code>/attachments")
class PublicAttachments(MethodView):
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.arguments(ApplicantUploadArgsSchema, location="query")
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, ApplicantFileSchema)
    @blp.alt_response(200, schema=ApplicantFileSchema, description="同一文件已上传过，返回原记录")
    @blp.alt_response(409, description="案件已答复或办结，或当前不需要补正材料")
    @blp.alt_response(413, description="文件过大")
    @blp.alt_response(415, description="文件类型不允许")
    def post(self, args: dict[str, Any], files: dict[str, Any], code: str) -> Any:
        """Send a file: proof of identity with the application (kind=application) or material
        for a correction the agency asked for (kind=correction, Art. 30)"""
        session = current_session()
        case = _tracked_case(code)
        stored = applicant_uploads.upload_by_applicant(
            session,
            case,
            files["file"],
            kind=args["kind"],
            upload_dir=current_app.config["UPLOAD_DIR"],
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            allowed_types=current_app.config["ALLOWED_UPLOAD_TYPES"],
        )
        return stored.attachment, 200 if stored.replayed else 201


@blp.route("/tracking/<string:code>/notifications")
class PublicNotificationPreferences(MethodView):
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.arguments(NotificationPreferencesSchema)
    @blp.response(200, NotificationPreferencesOutSchema)
    def put(self, data: dict[str, Any], code: str) -> Any:
        """Choose how to hear of progress (e-mail or SMS), or stop notifications (退订)"""
        session = current_session()
        case = _tracked_case(code)
        case_service.set_notification_preferences(
            session, case, opt_out=data["opt_out"], channel=data.get("channel")
        )
        return case.applicant


@blp.route("/tracking/<string:code>/letters/<int:letter_id>")
class PublicLetter(MethodView):
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.response(200, description="已签发文书的PDF")
    def get(self, code: str, letter_id: int) -> Any:
        """Download an issued letter addressed to the applicant"""
        session = current_session()
        case = _tracked_case(code)
        letter = public_view.applicant_letter(session, case, letter_id)
        data = letter_service.read_pdf(current_app.config["UPLOAD_DIR"], letter)
        return pdf_response(data, f"{letter.document_number}.pdf")


class SignedLinkArgsSchema(BaseSchema):
    expires = fields.Integer(required=True, metadata={"description": "过期时间（Unix秒）"})
    signature = fields.String(
        required=True, validate=validate.Length(equal=32), metadata={"pattern": "^[0-9a-f]{32}$"}
    )


@blp.route("/letters/<int:letter_id>/download")
class PublicSignedLetter(MethodView):
    @blp.doc(security=PUBLIC)
    @blp.arguments(SignedLinkArgsSchema, location="query")
    @blp.response(200, description="已签发文书的PDF（签名链接，短时有效）")
    @blp.alt_response(403, schema=ErrorSchema, description="链接已过期")
    def get(self, args: dict[str, Any], letter_id: int) -> Any:
        """Download an applicant's letter by a signed link from the tracking view (no headers)"""
        key = current_app.config["SECRET_KEY"]
        if not download_signature_valid(letter_id, args["expires"], args["signature"], key):
            abort(404, message="文书不存在。")
        if args["expires"] < time.time():
            abort(403, message="下载链接已过期，请重新查询进度获取新链接。", reason="link_expired")
        letter = letter_service.get_issued_applicant_letter(current_session(), letter_id)
        data = letter_service.read_pdf(current_app.config["UPLOAD_DIR"], letter)
        return pdf_response(data, f"{letter.document_number}.pdf")


@blp.route("/agencies/<int:agency_id>/application-form")
class PublicApplicationForm(MethodView):
    @form_pdf_limit
    @blp.doc(security=PUBLIC)
    @blp.response(200, description="政府信息公开申请表（PDF），已填入机关名称和受理机构信息")
    def get(self, agency_id: int) -> Any:
        """The blank application form of an agency, with its intake office filled in"""
        session = current_session()
        agency = case_service.get_agency(session, agency_id)
        pdf = pdf_renderer(current_app.config["LETTER_TEMPLATES_DIR"])(
            "application_form", letter_service.form_context(agency)
        )
        return pdf_response(pdf, "application-form.pdf")
