"""Composite decisions: decide with the letter; approve, number and issue in one call."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.cases.routes import _detail
from requests_service.api.contract import (
    DECISION_SCHEMAS,
    ApprovalSchema,
    DecisionResultSchema,
    load_one_of,
    one_of_body,
)
from requests_service.api.errors import ErrorSchema
from requests_service.api.etags import IF_MATCH, case_etag_data, check_if_match
from requests_service.api.prefer import PREFER_PARAM, prefer_wait
from requests_service.db.session import current_session
from requests_service.domain.errors import DomainError
from requests_service.domain.lifecycle import Role
from requests_service.jobs.tasks import enqueue_issue, wait_for_issue
from requests_service.services import cases as case_service
from requests_service.services import decisions as decision_service
from requests_service.services import letters as letter_service

blp = Blueprint(
    "decisions",
    __name__,
    url_prefix="/cases",
    description="办理决定（组合操作）：决定连同文书一次完成，审核负责人一次批准并签发",
)


def _issue_and_report(session: Any, actor: Any, result: Any) -> tuple[dict[str, Any], int]:
    """Queue the letters the decision marked for issuing; wait as the client prefers."""
    queued = []
    for letter_id in result.to_issue:
        try:
            if enqueue_issue(current_app, letter_id):
                queued.append(letter_id)
        except DomainError:
            pass  # the reason is kept on the letter (render_error); the decision stands
    wait = prefer_wait() if queued else 0
    deadline = time.monotonic() + wait
    for letter_id in queued:
        wait_for_issue(current_app, letter_id, max(0.0, deadline - time.monotonic()))
    session.expire_all()
    case = case_service.get_case_for(session, actor, result.case.id)
    letters = [letter_service.get_letter(session, case, letter.id) for letter in result.letters]
    pending = any(letter.status == letter_service.LetterStatus.ISSUING for letter in letters)
    blp.set_etag(case_etag_data(case))
    body = {
        "case": _detail(case, actor.role_set),
        "letters": letters,
        "steps": result.steps,
        "pending": pending,
    }
    return body, 202 if pending else 200


@blp.route("/<int:case_id>/decisions")
class CaseDecisions(MethodView):
    # Who may decide depends on the decision; whoever holds none of these roles may take none.
    @requires_roles(Role.HANDLER, Role.REGISTRAR, Role.APPROVER)
    @blp.etag
    @blp.doc(
        requestBody=one_of_body(DECISION_SCHEMAS, "decision"),
        parameters=[IF_MATCH, PREFER_PARAM],
    )
    @blp.response(200, DecisionResultSchema)
    @blp.alt_response(202, schema=DecisionResultSchema, description="文书仍在签发中")
    @blp.alt_response(409, schema=ErrorSchema, description="当前状态下不能作此决定")
    @blp.alt_response(412, schema=ErrorSchema, description="If-Match与当前版本不符")
    def post(self, case_id: int) -> Any:
        """Decide, with the letter: reply (handler), correction (handler/registrar), fee
        (handler) or an extension request (handler; it takes effect, with its notice, when the
        approver approves — Art. 33)

        Takes the case as far as needed (review, acceptance) and drafts the letter the decision
        needs, all in one transaction."""
        data = load_one_of(DECISION_SCHEMAS, "decision")
        actor = current_actor(*decision_service.DECISION_ROLES[data["decision"]])
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        check_if_match(case)
        command = decision_service.DECISION_COMMANDS[data.pop("decision")](**data)
        result = decision_service.decide(session, actor, case, command)
        return _issue_and_report(session, actor, result)


@blp.route("/<int:case_id>/decisions/approval")
class CaseDecisionApproval(MethodView):
    @requires_roles(Role.APPROVER)
    @blp.etag
    @blp.doc(parameters=[IF_MATCH, PREFER_PARAM])
    @blp.arguments(ApprovalSchema)
    @blp.response(200, DecisionResultSchema)
    @blp.alt_response(202, schema=DecisionResultSchema, description="文书仍在签发中")
    @blp.alt_response(409, schema=ErrorSchema, description="没有待审核的决定或文书")
    @blp.alt_response(412, schema=ErrorSchema, description="If-Match与当前版本不符")
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Approve what is pending (审核负责人): the reply or the fee notice, and every letter
        awaiting approval — numbered and issued; `Prefer: wait=N` returns them issued"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        check_if_match(case)
        result = decision_service.approve(session, actor, case, decision_service.Approval(**data))
        return _issue_and_report(session, actor, result)
