"""Reference pages for applicants under /apply: choose an agency, search what is already
published, apply, keep the tracking code, follow the case, send a correction, withdraw.

Server-rendered Jinja with a little vanilla JavaScript (no build step, nothing from a CDN).
The pages call the same services as the public API (``/public/...``) and nothing an officer
uses; they work without JavaScript. The tracking secret never appears in a URL: tracking and
every action on a case are POSTs carrying the code and the secret as form fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from requests_service.api.commands import submission_from
from requests_service.api.downloads import pdf_response

# The pages are another way in to the same submissions and tracking: the same abuse limits.
from requests_service.api.limits import submission_limit, tracking_limit
from requests_service.api.public.schemas import (
    PublicAgencySchema,
    PublicCorrectionSchema,
    PublicWithdrawSchema,
    TrackingSchema,
)
from requests_service.db.session import current_session
from requests_service.domain.errors import Conflict, DomainError, NotFound, RuleViolation
from requests_service.domain.identity import mask_id, mask_name
from requests_service.domain.lifecycle import Action, Role, allowed_actions
from requests_service.domain.reply_delivery import DeliveryForm, DeliveryMethod
from requests_service.jobs import placement as placement_jobs
from requests_service.services import applicant_uploads
from requests_service.services import cases as case_service
from requests_service.services import letters as letter_service
from requests_service.services import topics as topic_service
from requests_service.services.access import APPLICANT
from requests_service.services.case_commands import Reasoned, ReceiveCorrection
from requests_service.services.clock import SHANGHAI
from requests_service.services.public_view import (
    public_agencies,
    submission_receipt,
    tracking_view,
)
from requests_service.web import forms
from requests_service.web.texts import STATE_HELP

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/apply/static",
)

MAX_FILES = 5


@bp.after_request
def _no_store(response: Response) -> Response:
    # Pages may show a tracking secret or personal data: never keep them in shared caches.
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
    return response


@bp.app_template_filter("cn_date")
def cn_date(value: Any) -> str:
    """2026-03-02 → 2026年3月2日 (dates from the API come as ISO strings or dates)."""
    if not value:
        return ""
    text = str(value)[:10]
    year, month, day = text.split("-")
    return f"{int(year)}年{int(month)}月{int(day)}日"


@bp.app_template_filter("cn_time")
def cn_time(value: Any) -> str:
    """A UTC timestamp shown in Beijing time: 2026年3月2日 10:05."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


@bp.app_template_filter("file_size")
def file_size(value: int) -> str:
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(value / 1024))} KB"


def _page_error(message: str, status: int) -> tuple[str, int]:
    return render_template("web/message.html", title="出错了", message=message), status


@bp.route("/")
def index() -> Any:
    return redirect(url_for("web.agencies"))


@bp.route("/apply")
def agencies() -> Any:
    q = (request.args.get("q") or "").strip()[:100]
    rows, total = public_agencies(current_session(), q=q or None, page=1, page_size=100)
    return render_template(
        "web/agencies.html",
        agencies=PublicAgencySchema(many=True).dump(rows),
        total=total,
        q=q,
    )


def _agency(agency_id: int) -> dict[str, Any]:
    agency = case_service.get_agency(current_session(), agency_id)
    if agency.is_oversight_office:
        raise NotFound("该机构不受理政府信息公开申请。")
    data: dict[str, Any] = PublicAgencySchema().dump(agency)
    return data


def _catalogue(agency_id: int, q: str) -> list[dict[str, Any]]:
    if not q:
        return []
    found = topic_service.search_catalogue(current_session(), q, agency_id=agency_id, limit=5)
    return [
        {
            "title": item.title,
            "location": item.location,
            "category": item.category,
            "published_on": item.published_on,
        }
        for item, _score in found
    ]


def _render_form(
    agency: dict[str, Any],
    *,
    values: dict[str, str],
    errors: dict[str, list[str]],
    key: str,
    q: str = "",
    status: int = 200,
    notice: str | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "web/apply.html",
            agency=agency,
            values=values,
            errors=errors,
            summary=forms.ordered(errors),
            choices=forms.choices(),
            idempotency_key=key,
            q=q,
            published=_catalogue(agency["id"], q),
            max_files=MAX_FILES,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            notice=notice,
        ),
        status,
    )


@bp.route("/apply/<int:agency_id>")
def apply_form(agency_id: int) -> Any:
    try:
        agency = _agency(agency_id)
    except NotFound as error:
        return _page_error(error.message, 404)
    q = (request.args.get("q") or "").strip()[:2000]
    return _render_form(agency, values={}, errors={}, key=forms.new_idempotency_key(), q=q)


def _files() -> list[FileStorage]:
    return [f for f in request.files.getlist("attachments") if f and f.filename]


def _checked_files(errors: dict[str, list[str]]) -> list[Any]:
    """The uploaded files, with what is wrong with them added to ``errors`` under
    ``attachments`` (count, size, type) before any case is touched."""
    files = _files()
    config = current_app.config
    if len(files) > MAX_FILES:
        errors.setdefault("attachments", []).append(f"最多上传{MAX_FILES}个文件。")
    for upload in files[:MAX_FILES]:
        try:
            applicant_uploads.check_upload(
                upload,
                max_bytes=config["MAX_UPLOAD_BYTES"],
                allowed_types=config["ALLOWED_UPLOAD_TYPES"],
                field="attachments",
            )
        except DomainError as error:
            for texts in error.details.get("fields", {}).values():
                errors.setdefault("attachments", []).extend(texts)
    return files


@bp.route("/apply/<int:agency_id>", methods=["POST"])
@submission_limit
def apply_submit(agency_id: int) -> Any:
    try:
        agency = _agency(agency_id)
    except NotFound as error:
        return _page_error(error.message, 404)
    values = {k: v for k, v in request.form.items() if k != "idempotency_key"}
    key = (request.form.get("idempotency_key") or "").strip()[:100] or forms.new_idempotency_key()
    body = forms.request_body(request.form, agency_id)
    errors = forms.schema_errors(body)
    files = _checked_files(errors)
    config = current_app.config
    if errors:
        return _render_form(agency, values=values, errors=errors, key=key, status=422)
    session = current_session()
    try:
        receipt, replayed = case_service.submit_online(
            session,
            submission_from(body),  # the body the API schema has just accepted
            secret_key=config["SECRET_KEY"],
            idempotency_key=key,
            render=submission_receipt,
            defer_placement=placement_jobs.deferred(current_app),
        )
    except RuleViolation as error:
        fields_ = dict(error.details.get("fields") or {})
        if not fields_:
            fields_ = {"agency_id": [error.message]}
        return _render_form(
            agency, values=values, errors=forms.flatten(fields_), key=key, status=422
        )
    except Conflict:
        # This page's key was already used for a different application (changed after it
        # was sent): the new content is a new application, under a new key.
        return _render_form(
            agency,
            values=values,
            errors={},
            key=forms.new_idempotency_key(),
            status=409,
            notice="这份表单已经提交过一次，内容随后又有改动。如确需再提交一份新的申请，"
            "请核对后再次点击“提交申请”。",
        )
    if placement_jobs.deferred(current_app):
        placement_jobs.kick(current_app)
    uploaded: list[str] = []
    if files:
        case = case_service.get_case_by_tracking(
            session, receipt["tracking_code"], receipt["tracking_secret"], config["SECRET_KEY"]
        )
        for upload in files[:MAX_FILES]:
            stored = applicant_uploads.upload_by_applicant(
                session,
                case,
                upload,
                kind="application",
                upload_dir=config["UPLOAD_DIR"],
                max_bytes=config["MAX_UPLOAD_BYTES"],
                allowed_types=config["ALLOWED_UPLOAD_TYPES"],
            )
            uploaded.append(stored.attachment.filename)
    applicant = body["applicant"]
    return render_template(
        "web/confirmation.html",
        receipt=receipt,
        replayed=replayed,
        agency=agency,
        summary={
            "name": mask_name(applicant.get("name", "")),
            "id_number": mask_id(applicant.get("id_number", ""), applicant.get("id_type")),
            "requested_information": body["requested_information"],
            "delivery_form": DeliveryForm.label_of(body.get("delivery_form")) or "",
            "delivery_method": DeliveryMethod.label_of(body.get("delivery_method")) or "",
            "files": uploaded,
        },
    ), (200 if replayed else 201)


# ------------------------------------------------------------------ tracking


@bp.route("/apply/track")
def track_form() -> Any:
    return render_template("web/track.html", code="", errors={}, message=None)


def _credentials() -> tuple[str, str]:
    return (
        (request.form.get("code") or "").strip()[:40],
        (request.form.get("secret") or "").strip()[:40],
    )


def _tracked() -> Any:
    code, secret = _credentials()
    if not code or not secret:
        raise NotFound("请填写查询码和查询密码。")
    return case_service.get_case_by_tracking(
        current_session(), code, secret, current_app.config["SECRET_KEY"]
    )


def _tracking_page(
    case: Any,
    *,
    status: int = 200,
    message: str | None = None,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
) -> tuple[str, int]:
    view = TrackingSchema().dump(tracking_view(current_session(), case))
    _code, secret = _credentials()
    fee_letters = [x for x in view["letters"] if x["kind"] == "fee_notice"]
    return (
        render_template(
            "web/tracking.html",
            case=view,
            secret=secret,
            help=STATE_HELP.get(view["state"], ""),
            can_correct=view["state"] == "awaiting_correction",
            can_withdraw=Action.WITHDRAW in allowed_actions(case.state, Role.APPLICANT),
            fee_letter=fee_letters[-1] if fee_letters else None,
            message=message,
            errors=errors or {},
            summary=forms.ordered(errors or {}),
            values=values or {},
            max_files=MAX_FILES,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
        ),
        status,
    )


def _track_refused(error: DomainError) -> tuple[str, int]:
    code, _secret = _credentials()
    return render_template(
        "web/track.html", code=code, errors={"secret": [error.message]}, message=None
    ), 404


@bp.route("/apply/track", methods=["POST"])
@tracking_limit
def track() -> Any:
    try:
        case = _tracked()
    except NotFound as error:
        return _track_refused(error)
    return _tracking_page(case)


@bp.route("/apply/track/correction", methods=["POST"])
@tracking_limit
def correction() -> Any:
    try:
        case = _tracked()
    except NotFound as error:
        return _track_refused(error)
    values = {
        "corrected_information": (request.form.get("corrected_information") or "").strip(),
        "comment": (request.form.get("comment") or "").strip(),
    }
    data = {k: v for k, v in values.items() if v}
    errors = forms.flatten(PublicCorrectionSchema().validate(data))
    if "corrected_information" in errors:
        errors["corrected_information"] = ["请填写补正后的申请内容（至少2个字）。"]
    files = _checked_files(errors)
    config = current_app.config
    if errors:
        return _tracking_page(case, status=422, errors=errors, values=values)
    session = current_session()
    try:
        for upload in files[:MAX_FILES]:
            applicant_uploads.upload_by_applicant(
                session,
                case,
                upload,
                kind="correction",
                upload_dir=config["UPLOAD_DIR"],
                max_bytes=config["MAX_UPLOAD_BYTES"],
                allowed_types=config["ALLOWED_UPLOAD_TYPES"],
            )
        case_service.apply_action(
            session,
            APPLICANT,
            case,
            Action.RECEIVE_CORRECTION,
            ReceiveCorrection(
                corrected_information=data.get("corrected_information"),
                comment=data.get("comment"),
            ),
        )
    except DomainError as error:
        session.rollback()
        return _tracking_page(
            case, status=409, errors={"corrected_information": [error.message]}, values=values
        )
    return _tracking_page(case, message="补正已提交。答复期限自机关收到补正之日起重新计算。")


@bp.route("/apply/track/withdrawal", methods=["POST"])
@tracking_limit
def withdrawal() -> Any:
    try:
        case = _tracked()
    except NotFound as error:
        return _track_refused(error)
    reason = (request.form.get("reason") or "").strip()
    data = {"reason": reason} if reason else {}
    errors = forms.flatten(PublicWithdrawSchema().validate(data))
    if errors:
        errors = {"reason": ["撤回理由不超过2000字。"]}
        return _tracking_page(case, status=422, errors=errors, values={"reason": reason})
    session = current_session()
    try:
        case_service.apply_action(
            session, APPLICANT, case, Action.WITHDRAW, Reasoned(reason=reason or None)
        )
    except DomainError as error:
        session.rollback()
        return _tracking_page(case, status=409, errors={"reason": [error.message]})
    return _tracking_page(case, message="您已撤回申请，机关不再处理。")


@bp.route("/apply/track/letters/<int:letter_id>", methods=["POST"])
@tracking_limit
def letter(letter_id: int) -> Any:
    try:
        case = _tracked()
    except NotFound as error:
        return _track_refused(error)
    session = current_session()
    try:
        found = letter_service.get_letter(session, case, letter_id)
        if found.kind not in letter_service.APPLICANT_KINDS or found.status != "issued":
            raise NotFound("文书不存在。")
        data = letter_service.read_pdf(current_app.config["UPLOAD_DIR"], found)
    except DomainError as error:
        return _tracking_page(case, status=404, message=None, errors={"letters": [error.message]})
    response = pdf_response(data, f"{found.document_number}.pdf", as_attachment=True)
    response.headers["Cache-Control"] = "no-store"
    return response
