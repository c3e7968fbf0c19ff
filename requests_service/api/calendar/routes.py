"""Working-day calendar administration and the public due-date calculator."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from requests_service.api.auth import current_actor
from requests_service.api.calendar.schemas import (
    CalendarChangeSchema,
    CalendarOverviewSchema,
    CalendarUpdateResultSchema,
    DeadlineInputSchema,
    DeadlineResultSchema,
    YearArrangementInSchema,
    YearArrangementSchema,
)
from requests_service.db.models import Agency, CalendarChange
from requests_service.db.session import current_session
from requests_service.domain.deadline_calculator import evaluate_deadline_vector
from requests_service.domain.lifecycle import Role
from requests_service.services import calendar_admin
from requests_service.services.clock import load_calendar

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
        session = current_session()
        for arrangement in calendar_admin.stored_arrangements(session):
            if arrangement.year == year:
                return arrangement.to_dict()
        for arrangement in calendar_admin.load_bundled_arrangements():
            if arrangement.year == year:
                return arrangement.to_dict()
        abort(404, message=f"{year}年尚未载入国务院节假日安排，按暂定日历计算。")

    @blp.arguments(YearArrangementInSchema)
    @blp.response(200, CalendarUpdateResultSchema)
    def put(self, data: dict[str, Any], year: int) -> Any:
        """Load or correct a year's official arrangement; re-computes affected due dates"""
        actor = current_actor(Role.AGENCY_ADMIN)
        session = current_session()
        agency = session.get(Agency, actor.agency_id)
        if agency is None or agency.parent_id is not None:
            # The calendar is national: only administrators of a top-level body may change it.
            abort(403, message="只有最上级机关的管理员可以维护全国工作日历。")
        if not 2000 <= year <= 2100:
            abort(422, message="年份应在2000至2100之间。")
        return calendar_admin.save_year(session, actor, year, data)


@blp.route("/changes")
class CalendarChanges(MethodView):
    @blp.response(200, CalendarChangeSchema(many=True))
    def get(self) -> Any:
        """Audit trail of calendar changes, newest first"""
        current_actor(*OFFICERS)
        return (
            current_session()
            .scalars(select(CalendarChange).order_by(CalendarChange.id.desc()).limit(200))
            .all()
        )


@blp.route("/deadline-calculator")
class DeadlineCalculator(MethodView):
    @blp.doc(security=[])
    @blp.arguments(DeadlineInputSchema)
    @blp.response(200, DeadlineResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """When is the reply due? Public calculator taking a channel, timestamps and events

        Also answers `query`: correction_notice_deadline (7 working days, Art. 30),
        third_party_opinion_deadline (15 working days, Art. 32), fee_payment_deadline (20).
        """
        return evaluate_deadline_vector(load_calendar(current_session()), data)
