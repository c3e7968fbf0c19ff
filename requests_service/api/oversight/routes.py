"""Oversight office: difficult-case filings, remedy records, loss rates, compliance self-check."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.oversight.schemas import (
    FilingActionSchema,
    FilingCountsSchema,
    FilingCreateSchema,
    FilingEventSchema,
    FilingQueryArgsSchema,
    FilingSchema,
    LossRateArgsSchema,
    LossRateSchema,
    RemedyCreateSchema,
    RemedySchema,
    RemedyUpdateSchema,
    SelfCheckArgsSchema,
    SelfCheckSchema,
)
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services import cases as case_service
from requests_service.services import oversight as oversight_service
from requests_service.services.compliance import self_check

blp = Blueprint(
    "oversight",
    __name__,
    url_prefix="/",
    description="监督：疑难件备案、行政复议与诉讼记录、败诉率、合规自查",
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
CASEWORK = (Role.HANDLER, Role.APPROVER)


@blp.route("cases/<int:case_id>/filings")
class CaseFilings(MethodView):
    @blp.response(200, FilingSchema(many=True))
    def get(self, case_id: int) -> Any:
        """Filings of a case, with the oversight office's guidance"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return oversight_service.case_filings(session, actor, case)

    @requires_roles(*CASEWORK)
    @blp.arguments(FilingCreateSchema)
    @blp.response(201, FilingSchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """File the case with the oversight office (疑难件备案)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        filing = oversight_service.file_case(
            session, actor, case, oversight_service.FileCase(**data)
        )
        return oversight_service.filing_view(session, filing)


@blp.route("oversight/filings")
class OversightFilings(MethodView):
    @blp.arguments(FilingQueryArgsSchema, location="query")
    @blp.response(200, FilingSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """The queue: filings made with your office (or by your agency), newest first"""
        actor = current_actor(*OFFICERS)
        rows, total = oversight_service.list_filings(
            current_session(),
            actor,
            oversight_service.FilingFilter(**args),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("oversight/filings/counts")
class OversightFilingCounts(MethodView):
    @blp.response(200, FilingCountsSchema)
    def get(self) -> Any:
        """Counts of the office's filings by status"""
        actor = current_actor(Role.OVERSIGHT)
        return oversight_service.filing_counts(current_session(), actor)


@blp.route("oversight/filings/<int:filing_id>")
class OversightFiling(MethodView):
    @blp.response(200, FilingSchema)
    def get(self, filing_id: int) -> Any:
        """One filing"""
        actor = current_actor(Role.OVERSIGHT)
        session = current_session()
        filing = oversight_service.get_filing_for_office(session, actor, filing_id)
        return oversight_service.filing_view(session, filing)


@blp.route("oversight/filings/<int:filing_id>/actions")
class OversightFilingActions(MethodView):
    @requires_roles(Role.OVERSIGHT)
    @blp.arguments(FilingActionSchema)
    @blp.response(200, FilingSchema)
    def post(self, data: dict[str, Any], filing_id: int) -> Any:
        """Receive, give guidance, close"""
        actor = authorised_actor()
        session = current_session()
        filing = oversight_service.get_filing_for_office(session, actor, filing_id)
        filing = oversight_service.act_on_filing(
            session, actor, filing, oversight_service.FilingStep(**data)
        )
        return oversight_service.filing_view(session, filing)


@blp.route("oversight/filings/<int:filing_id>/history")
class OversightFilingHistory(MethodView):
    @blp.response(200, FilingEventSchema(many=True))
    def get(self, filing_id: int) -> Any:
        """Audit trail of a filing"""
        actor = current_actor(Role.OVERSIGHT)
        return oversight_service.filing_history(current_session(), actor, filing_id)


@blp.route("cases/<int:case_id>/remedies")
class CaseRemedies(MethodView):
    @blp.response(200, RemedySchema(many=True))
    def get(self, case_id: int) -> Any:
        """Reconsideration and litigation records of a case"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return oversight_service.case_remedies(session, case)

    @requires_roles(Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN)
    @blp.arguments(RemedyCreateSchema)
    @blp.response(201, RemedySchema)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Record an administrative reconsideration or lawsuit"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return oversight_service.add_remedy_record(
            session, actor, case, oversight_service.AddRemedy(**data)
        )


@blp.route("cases/<int:case_id>/remedies/<int:remedy_id>")
class CaseRemedy(MethodView):
    @requires_roles(Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN)
    @blp.arguments(RemedyUpdateSchema)
    @blp.response(200, RemedySchema)
    def patch(self, data: dict[str, Any], case_id: int, remedy_id: int) -> Any:
        """Update a record, e.g. when the decision or judgment arrives"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return oversight_service.update_remedy_record(
            session, actor, case, remedy_id, oversight_service.UpdateRemedy(**data)
        )


@blp.route("oversight/loss-rates")
class LossRates(MethodView):
    @blp.arguments(LossRateArgsSchema, location="query")
    @blp.response(200, LossRateSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Share of decided reconsiderations/lawsuits corrected, by agency, outcome or reason"""
        actor = current_actor(*OFFICERS)
        return oversight_service.loss_rate_view(
            current_session(),
            actor,
            date_from=args["date_from"],
            date_to=args["date_to"],
            group_by=args["group_by"],
        )


@blp.route("oversight/self-check")
class SelfCheck(MethodView):
    @blp.arguments(SelfCheckArgsSchema, location="query")
    @blp.response(200, SelfCheckSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Compliance self-check of an agency over a period, with the cases involved"""
        actor = current_actor(*OFFICERS)
        agency_id = args.get("agency_id") or actor.home_agency_id
        return self_check(
            current_session(),
            actor,
            agency_id,
            date_from=args["date_from"],
            date_to=args["date_to"],
        )
