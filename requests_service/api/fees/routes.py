"""Fee endpoints: public calculator, per-case proposal/decline/reduction/refund, totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.fees.schemas import (
    ApplicantLinkCreateSchema,
    ApplicantLinkSchema,
    CaseFeePreviewSchema,
    FeeAssessmentSchema,
    FeeDeclineSchema,
    FeeQuoteSchema,
    FeeReductionSchema,
    FeeRefundSchema,
    FeeTotalsSchema,
    FeeVectorInputSchema,
)
from requests_service.api.schemas_base import PeriodArgsSchema
from requests_service.db.session import current_session
from requests_service.domain.fees import evaluate_fee_vector
from requests_service.domain.lifecycle import Role
from requests_service.services import cases as case_service
from requests_service.services import fees as fee_service
from requests_service.services.clock import legal_today

blp = Blueprint(
    "fees", __name__, url_prefix="/", description="信息处理费：计算、收费通知、缴费、减免、退费"
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)


def _with_number(quote: dict[str, Any]) -> dict[str, Any]:
    # `amount` is the exact string; `yuan` the same value as a JSON number for simple clients
    # (the national tiers only produce whole yuan, so no float rounding can arise).
    exact = Decimal(quote["yuan"] if "yuan" in quote else quote["amount"])
    return {
        **quote,
        "amount": str(exact.quantize(Decimal("0.01"))),
        "yuan": int(exact) if exact == exact.to_integral_value() else float(exact),
    }


@blp.route("fees/calculator")
class FeeCalculator(MethodView):
    @blp.doc(security=[])
    @blp.arguments(FeeVectorInputSchema())  # an instance: not one per request
    @blp.response(200, FeeQuoteSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """What would this cost? Per piece (monthly, cumulative) or per volume (pages)"""
        return _with_number(evaluate_fee_vector(data))


@blp.route("fees/totals")
class FeeTotals(MethodView):
    @blp.arguments(PeriodArgsSchema, location="query")
    @blp.response(200, FeeTotalsSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Fees per agency over a period: notices, collected, waived, refunded"""
        actor = current_actor(*OFFICERS)
        return fee_service.fee_totals(
            current_session(), actor, date_from=args["date_from"], date_to=args["date_to"]
        )


@blp.route("cases/<int:case_id>/fees")
class CaseFees(MethodView):
    @blp.response(200, FeeAssessmentSchema(many=True))
    def get(self, case_id: int) -> Any:
        """Fee assessments of a case, with their computation"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return fee_service.assessments_of(session, case.id)


@blp.route("cases/<int:case_id>/fees/preview")
class CaseFeePreview(MethodView):
    @requires_roles(Role.HANDLER, Role.APPROVER)
    @blp.arguments(CaseFeePreviewSchema)
    @blp.response(200, FeeQuoteSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Preview the fee for this case (counts the applicant's earlier pieces this month)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        quote, _, _ = fee_service.quote_for(session, case, data["method"], data.get("units"))
        return _with_number(fee_service.quote_to_dict(quote) | {"method_label": quote.method.label})


@blp.route("cases/<int:case_id>/fees/proposal")
class CaseFeeProposal(MethodView):
    @requires_roles(Role.HANDLER)
    @blp.arguments(CaseFeePreviewSchema)
    @blp.response(201, FeeAssessmentSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Handler proposes a fee; the approver issues the notice (action issue_fee_notice)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        return fee_service.propose_fee(
            session, actor, case, method=data["method"], units=data.get("units")
        )


@blp.route("cases/<int:case_id>/fees/decline")
class CaseFeeDecline(MethodView):
    @requires_roles(Role.APPROVER, Role.HANDLER)
    @blp.arguments(FeeDeclineSchema)
    @blp.response(200, FeeAssessmentSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Decide not to charge the proposed fee (Art. 42: charging is discretionary)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        return fee_service.decline_fee(session, actor, case, reason=data["reason"])


@blp.route("cases/<int:case_id>/fees/reduction")
class CaseFeeReduction(MethodView):
    @requires_roles(Role.APPROVER)
    @blp.arguments(FeeReductionSchema)
    @blp.response(200, FeeAssessmentSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Reduce an unpaid fee (only where the agency's waiver policy is switched on)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        return fee_service.reduce_fee(
            session, actor, case, amount=data["amount"], reason=data["reason"]
        )


@blp.route("cases/<int:case_id>/fees/refund")
class CaseFeeRefund(MethodView):
    @requires_roles(Role.APPROVER)
    @blp.arguments(FeeRefundSchema)
    @blp.response(200, FeeAssessmentSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Record the refund of a paid fee after the applicant withdrew"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id, for_update=True)
        return fee_service.refund_fee(
            session,
            actor,
            case,
            amount=data["amount"],
            reason=data["reason"],
            on=data.get("on") or legal_today(),
        )


@blp.route("applicants/<int:applicant_id>/links")
class ApplicantLinks(MethodView):
    @requires_roles(Role.HANDLER, Role.APPROVER)
    @blp.arguments(ApplicantLinkCreateSchema)
    @blp.response(201, ApplicantLinkSchema)
    def post(self, data: dict[str, Any], applicant_id: int) -> Any:
        """Link two applicant records as the same person (monthly per-piece fee counting)"""
        actor = authorised_actor()
        return fee_service.link_applicants(
            current_session(), actor, applicant_id, data["same_as_id"], data["reason"]
        )
