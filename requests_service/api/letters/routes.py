"""Letters of a case: draft, preview, edit, approve, issue (off the request path), deliver."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.downloads import pdf_response
from requests_service.api.letters.schemas import (
    LetterCreateSchema,
    LetterDeliverySchema,
    LetterEditSchema,
    LetterPreviewArgsSchema,
    LetterSchema,
)
from requests_service.api.prefer import PREFER_PARAM, prefer_wait
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.domain.reply_delivery import DeliveryMethod
from requests_service.jobs.tasks import enqueue_issue, wait_for_issue
from requests_service.letters.service_adapter import html_renderer, pdf_renderer
from requests_service.services import cases as case_service
from requests_service.services import letters as letter_service

blp = Blueprint(
    "letters", __name__, url_prefix="/cases", description="文书：告知书、通知书、答复书（PDF）"
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
WORKING = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER)


def _load(case_id: int, letter_id: int, roles: tuple[Role, ...]) -> tuple[Any, Any, Any, Any]:
    actor = current_actor(*roles)
    session = current_session()
    case = case_service.get_case_for(session, actor, case_id)
    letter = letter_service.get_letter(session, case, letter_id)
    return actor, session, case, letter


@blp.route("/<int:case_id>/letters")
class CaseLetters(MethodView):
    @blp.response(200, LetterSchema(many=True))
    def get(self, case_id: int) -> Any:
        """Letters of a case"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return letter_service.letters_of(session, case.id)

    @requires_roles(*WORKING)
    @blp.arguments(LetterCreateSchema)
    @blp.response(201, LetterSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Draft a letter; its variables are filled from the case"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return letter_service.create_letter(session, actor, case, data["kind"])


@blp.route("/<int:case_id>/letters/<int:letter_id>")
class CaseLetter(MethodView):
    @blp.response(200, LetterSchema)
    def get(self, case_id: int, letter_id: int) -> Any:
        """One letter"""
        return _load(case_id, letter_id, OFFICERS)[3]

    @requires_roles(Role.HANDLER, Role.APPROVER)
    @blp.arguments(LetterEditSchema)
    @blp.response(200, LetterSchema)
    def patch(self, data: dict[str, Any], case_id: int, letter_id: int) -> Any:
        """Edit the letter's free-text variables while it is a draft"""
        actor, session, case, letter = _load(case_id, letter_id, (Role.HANDLER, Role.APPROVER))
        return letter_service.edit_letter(session, actor, case, letter, data["overrides"])


@blp.route("/<int:case_id>/letters/<int:letter_id>/preview")
class CaseLetterPreview(MethodView):
    @blp.arguments(LetterPreviewArgsSchema, location="query")
    @blp.response(200, description="HTML或PDF预览；已签发的文书返回存档的PDF")
    def get(self, args: dict[str, Any], case_id: int, letter_id: int) -> Any:
        """Preview while drafting (HTML or PDF); an issued letter returns its stored PDF"""
        _, session, case, letter = _load(case_id, letter_id, OFFICERS)
        config = current_app.config
        if letter.status == letter_service.LetterStatus.ISSUED:
            data = letter_service.read_pdf(config["UPLOAD_DIR"], letter)
            return pdf_response(data, f"{letter.document_number}.pdf")
        context = letter_service.letter_context(session, case, letter)
        if args["format"] == "html":
            html = html_renderer(config["LETTER_TEMPLATES_DIR"])(letter.kind, context)
            return Response(html, mimetype="text/html")
        pdf = pdf_renderer(config["LETTER_TEMPLATES_DIR"])(letter.kind, context)
        return pdf_response(pdf, f"preview-{letter.id}.pdf")


@blp.route("/<int:case_id>/letters/<int:letter_id>/approval")
class CaseLetterApproval(MethodView):
    @requires_roles(Role.APPROVER, Role.REGISTRAR)
    @blp.response(200, LetterSchema)
    def post(self, case_id: int, letter_id: int) -> Any:
        """Approve the letter (审核负责人; the registrar may approve acknowledgements)"""
        actor, session, case, letter = _load(case_id, letter_id, (Role.APPROVER, Role.REGISTRAR))
        return letter_service.approve_letter(session, actor, case, letter)


def issued_or_queued(session: Any, case: Any, letter_id: int, queued: bool) -> tuple[Any, int]:
    """After queueing: wait as long as the client prefers; 200 once issued, else 202."""
    wait = prefer_wait() if queued else 0
    if wait:
        wait_for_issue(current_app, letter_id, wait)
    session.expire_all()
    letter = letter_service.get_letter(session, case, letter_id)
    return letter, 202 if letter.status == letter_service.LetterStatus.ISSUING else 200


@blp.route("/<int:case_id>/letters/<int:letter_id>/issue")
class CaseLetterIssue(MethodView):
    @requires_roles(*WORKING)
    @blp.doc(parameters=[PREFER_PARAM])
    @blp.response(202, LetterSchema, description="已排队签发（PDF由后台生成）")
    @blp.alt_response(200, schema=LetterSchema, description="已签发（同步模式或Prefer: wait）")
    def post(self, case_id: int, letter_id: int) -> Any:
        """Issue: number from the agency's yearly sequence, render the PDF once, store it"""
        actor, session, case, letter = _load(case_id, letter_id, WORKING)
        letter = letter_service.request_issue(session, actor, case, letter)
        queued = enqueue_issue(current_app, letter.id)
        return issued_or_queued(session, case, letter_id, queued)


@blp.route("/<int:case_id>/letters/<int:letter_id>/issue-retry")
class CaseLetterIssueRetry(MethodView):
    @requires_roles(Role.APPROVER)
    @blp.doc(parameters=[PREFER_PARAM])
    @blp.response(202, LetterSchema, description="已重新排队签发")
    @blp.alt_response(200, schema=LetterSchema, description="已签发（同步模式或Prefer: wait）")
    def post(self, case_id: int, letter_id: int) -> Any:
        """Retry a stuck or failed issue (审核负责人): the letter is queued again at once"""
        actor, session, case, letter = _load(case_id, letter_id, (Role.APPROVER,))
        letter = letter_service.retry_issue(session, actor, case, letter)
        queued = enqueue_issue(current_app, letter.id)
        return issued_or_queued(session, case, letter_id, queued)


@blp.route("/<int:case_id>/letters/<int:letter_id>/pdf")
class CaseLetterPdf(MethodView):
    @blp.response(200, description="已签发文书的PDF（存档原件）")
    def get(self, case_id: int, letter_id: int) -> Any:
        """The issued PDF, byte for byte as issued"""
        _, _, _, letter = _load(case_id, letter_id, OFFICERS)
        data = letter_service.read_pdf(current_app.config["UPLOAD_DIR"], letter)
        return pdf_response(data, f"{letter.document_number}.pdf")


@blp.route("/<int:case_id>/letters/<int:letter_id>/delivery")
class CaseLetterDelivery(MethodView):
    @requires_roles(*WORKING)
    @blp.arguments(LetterDeliverySchema)
    @blp.response(200, LetterSchema)
    def post(self, data: dict[str, Any], case_id: int, letter_id: int) -> Any:
        """Record delivery (method, date, proof): remedy periods run from delivery"""
        actor, session, case, letter = _load(case_id, letter_id, WORKING)
        return letter_service.record_delivery(
            session,
            actor,
            case,
            letter,
            letter_service.RecordDelivery(
                **{**data, "delivery_method": DeliveryMethod(data["delivery_method"])}
            ),
        )
