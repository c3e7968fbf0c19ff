"""Working-day calendar administration and the public due-date calculator."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.calendar.schemas import (
    CalendarChangeSchema,
    CalendarOverviewSchema,
    CalendarUpdateResultSchema,
    DeadlineInputSchema,
    DeadlineResultSchema,
    YearArrangementInSchema,
    YearArrangementSchema,
)
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services import calendar_admin

blp = Blueprint(
    "calendar", __name__, url_prefix="/calendar", description="工作日历（节假日与调休）和期限计算"
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)


@blp.route("")
class CalendarOverview(MethodView):
    @blp.response(200, CalendarOverviewSchema)
    def get(self) -> Any:
        """Which years are official, the horizon, and a warning when it is near"""
        current_actor(*OFFICERS)
        return calendar_admin.calendar_overview(current_session())


@blp.route("/years/<int:year>")
class CalendarYearResource(MethodView):
    @blp.response(200, YearArrangementSchema)
    def get(self, year: int) -> Any:
        """The official arrangement in force for a year (404 when only provisional)"""
        current_actor(*OFFICERS)
        return calendar_admin.official_year(current_session(), year).to_dict()

    @requires_roles(Role.AGENCY_ADMIN)
    @blp.arguments(YearArrangementInSchema)
    @blp.response(200, CalendarUpdateResultSchema)
    def put(self, data: dict[str, Any], year: int) -> Any:
        """Load or correct a year's official arrangement; re-computes affected due dates"""
        actor = authorised_actor()
        return calendar_admin.save_year(
            current_session(), actor, year, calendar_admin.SaveYear(**data)
        )


@blp.route("/changes")
class CalendarChanges(MethodView):
    @blp.response(200, CalendarChangeSchema(many=True))
    def get(self) -> Any:
        """Audit trail of calendar changes, newest first"""
        current_actor(*OFFICERS)
        return calendar_admin.recent_changes(current_session())


@blp.route("/deadline-calculator")
class DeadlineCalculator(MethodView):
    # Not ``reads_only``: that checks a connection out of the pool up front (to put it in
    # AUTOCOMMIT), and on the process's cached calendar this view sends no statement at all.
    # Its session connects only when the calendar's version is due for a read (every
    # CALENDAR_VERSION_CHECK_SECONDS per worker): that SELECT then runs in a transaction.
    @blp.doc(security=[])
    @blp.arguments(DeadlineInputSchema())  # an instance: not one per request
    @blp.response(200, DeadlineResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """When is the reply due? Public calculator taking a channel, timestamps and events

        Also answers `query`: correction_notice_deadline (7 working days, Art. 30),
        third_party_opinion_deadline (15 working days, Art. 32), fee_payment_deadline (20).
        """
        return calendar_admin.evaluate_deadline(current_session(), data)
