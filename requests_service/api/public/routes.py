"""Public endpoints for the online application form and for applicants tracking their case."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from requests_service.api.letters.routes import pdf_response
from requests_service.api.limits import (
    form_pdf_limit,
    submission_limit,
    tracking_failure_limit,
    tracking_limit,
)
from requests_service.api.public.schemas import (
    ApplicationSubmitSchema,
    PublicAgencyQueryArgsSchema,
    PublicAgencySchema,
    PublicCorrectionSchema,
    PublicWithdrawSchema,
    SubmissionReceiptSchema,
    TrackingSchema,
)
from requests_service.db.models import Agency, Case
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Action
from requests_service.letters.service_adapter import pdf_renderer
from requests_service.services import cases as case_service
from requests_service.services import letters as letter_service
from requests_service.services.access import APPLICANT
from requests_service.services.public_view import tracking_view
from requests_service.services.queries import paginate

blp = Blueprint(
    "public", __name__, url_prefix="/public", description="公开接口：在线申请与申请人查询进度"
)

SECRET_HEADER = "X-Tracking-Secret"
PUBLIC = [{}]  # no authentication


@blp.route("/agencies")
class PublicAgencies(MethodView):
    @blp.doc(security=PUBLIC)
    @blp.arguments(PublicAgencyQueryArgsSchema, location="query")
    @blp.response(200, PublicAgencySchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Agencies that accept applications, with their intake office (受理机构及联系方式)"""
        query = select(Agency).where(Agency.active.is_(True), Agency.is_oversight_office.is_(False))
        if args.get("q"):
            query = query.where(Agency.name.contains(args["q"], autoescape=True))
        if args.get("parent_id") is not None:
            query = query.where(Agency.parent_id == args["parent_id"])
        rows, total = paginate(
            current_session(),
            query.order_by(Agency.id),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


def _receipt(case: Case, secret: str) -> dict[str, Any]:
    # Plain JSON values: the same body is stored for Idempotency-Key replays.
    return {
        "tracking_code": case.tracking_code,
        "tracking_secret": secret,
        "state": case.state.value,
        "state_label": case.state.label,
        "agency_name": case.agency.name if case.agency else "",
        "submitted_at": case.submitted_at.isoformat(),
        "message": (
            "申请已提交。受理机关确认收到后登记，答复期限自确认收到之日的次日起计算"
            "（《政府信息公开条例》第三十一条、第三十三条）。请凭查询码和查询密码查询办理进度。"
        ),
    }


@blp.route("/applications")
class PublicApplications(MethodView):
    @blp.doc(
        security=PUBLIC,
        parameters=[
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 100},
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
        body, replayed = case_service.submit_online(
            current_session(),
            data,
            secret_key=current_app.config["SECRET_KEY"],
            idempotency_key=key.strip() if key else None,
            render=_receipt,
        )
        return body, 200 if replayed else 201


def _tracked_case(code: str) -> Case:
    secret = request.headers.get(SECRET_HEADER, "")
    return case_service.get_case_by_tracking(
        current_session(), code, secret, current_app.config["SECRET_KEY"]
    )


SECRET_PARAM = {
    "name": SECRET_HEADER,
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "提交申请时获得的查询密码",
}


@blp.route("/tracking/<string:code>")
class PublicTracking(MethodView):
    @tracking_limit
    @tracking_failure_limit
    @blp.doc(security=PUBLIC, parameters=[SECRET_PARAM])
    @blp.response(200, TrackingSchema)
    def get(self, code: str) -> Any:
        """Track a case: state in Chinese, public timeline, due date, why the clock is paused"""
        case = _tracked_case(code)
        return tracking_view(current_session(), case)


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
        case_service.apply_action(session, APPLICANT, case, Action.RECEIVE_CORRECTION, data)
        return tracking_view(session, case)


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
        case_service.apply_action(session, APPLICANT, case, Action.WITHDRAW, data)
        return tracking_view(session, case)


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
        letter = letter_service.get_letter(session, case, letter_id)
        if letter.kind not in letter_service.APPLICANT_KINDS or letter.status != "issued":
            abort(404, message="文书不存在。")
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
