"""The whole annual report of one agency (Art. 50): inputs per year, sections 一–六, cross-checks.

Sections 三 and 四 come from :func:`services.statistics.annual_report`; section 六's fee figures
from :func:`services.fees.fee_totals` (notices issued, amounts charged and received); the
proactive-disclosure topics converted in the year (Art. 44) are shown with section 二; the rest
is the agency's input for the year (``annual_report_inputs``), every change audited.  The cells
are cross-checked against :func:`services.statistics.period_statistics` of the same year.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from requests_service.db.base import utcnow
from requests_service.db.models import Agency, AnnualReportInput
from requests_service.domain.annual_report import (
    SECTION_TITLES,
    TEXT_FIELDS,
    cross_checks,
    missing_inputs,
    section2_table,
    validate_inputs,
)
from requests_service.domain.errors import NotFound
from requests_service.domain.lifecycle import Role
from requests_service.domain.statistics import (
    CARRIED_IN,
    CARRIED_OUT,
    NEW,
    REMEDY_KINDS,
    REMEDY_RESULTS,
    RESULTS_TOTAL,
    TOTAL,
)
from requests_service.services import statistics as stats_service
from requests_service.services.access import Actor
from requests_service.services.admin import audit
from requests_service.services.fees import fee_totals
from requests_service.services.unit_of_work import UnitOfWork

__all__ = ["full_report", "get_inputs", "put_inputs"]

EDITORS = (Role.AGENCY_ADMIN, Role.APPROVER)


def _agency(session: Session, actor: Actor, agency_id: int | None) -> Agency:
    root = actor.agency_id if agency_id is None else agency_id
    if root is None or root not in actor.visible_agency_ids:
        raise NotFound("机关不存在。", agency_id=agency_id)
    agency = session.get(Agency, root)
    if agency is None:
        raise NotFound("机关不存在。", agency_id=agency_id)
    return agency


def _row(session: Session, agency_id: int, year: int) -> AnnualReportInput | None:
    return session.scalars(
        select(AnnualReportInput).where(
            AnnualReportInput.agency_id == agency_id, AnnualReportInput.year == year
        )
    ).one_or_none()


def _inputs_view(agency: Agency, year: int, row: AnnualReportInput | None) -> dict[str, Any]:
    data = dict(row.data) if row else {}
    return {
        "agency_id": agency.id,
        "year": year,
        "data": data,
        "section2": section2_table(data),
        "missing": missing_inputs(data),
        "updated_at": row.updated_at if row else None,
        "updated_by_user_id": row.updated_by_user_id if row else None,
        "version": row.version if row else 0,
    }


def get_inputs(session: Session, actor: Actor, year: int, agency_id: int | None) -> dict[str, Any]:
    stats_service.validate_report_year(year)
    agency = _agency(session, actor, agency_id)
    return _inputs_view(agency, year, _row(session, agency.id, year))


def put_inputs(
    session: Session, actor: Actor, year: int, agency_id: int | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace the year's inputs (validated); the change is audited with before and after."""
    stats_service.validate_report_year(year)
    with UnitOfWork(session) as uow:
        agency = _agency(session, actor, agency_id)
        if actor.agency_id != agency.id and Role.AGENCY_ADMIN not in actor.role_set:
            raise NotFound("机关不存在。", agency_id=agency_id)
        cleaned = validate_inputs(data)
        row = _row(session, agency.id, year)
        before = dict(row.data) if row else None
        if row is None:
            row = AnnualReportInput(agency_id=agency.id, year=year, data=cleaned)
            session.add(row)
        else:
            row.data = cleaned
        row.updated_by_user_id = actor.user_id
        row.updated_at = utcnow()
        audit(
            session,
            actor,
            agency_id=agency.id,
            action="annual_report_inputs",
            target=row,
            before=None if before is None else {"year": year, **before},
            after={"year": year, **cleaned},
        )
        uow.commit()
        return _inputs_view(agency, year, row)


def _fees_for(session: Session, actor: Actor, agency_id: int, year: int) -> dict[str, Any]:
    rows = [
        r
        for r in fee_totals(session, actor, date_from=date(year, 1, 1), date_to=date(year, 12, 31))
        if r["agency_id"] == agency_id
    ]
    row = rows[0] if rows else {}
    collected = Decimal(row.get("collected", 0))
    refunded = Decimal(row.get("refunded", 0))
    cent = Decimal("0.01")
    return {
        "notices_issued": int(row.get("notices_issued", 0)),
        "amount_noticed": f"{Decimal(row.get('amount_noticed', 0)).quantize(cent):.2f}",
        "payments": int(row.get("payments", 0)),
        "collected": f"{collected.quantize(cent):.2f}",
        "refunded": f"{refunded.quantize(cent):.2f}",
        "net_collected": f"{(collected - refunded).quantize(cent):.2f}",
    }


def full_report(session: Session, actor: Actor, year: int, agency_id: int | None) -> dict[str, Any]:
    """Sections 一–六 of ``year`` for one agency, with the cross-checks and what is missing."""
    stats_service.validate_report_year(year)
    agency = _agency(session, actor, agency_id)
    row = _row(session, agency.id, year)
    inputs = dict(row.data) if row else {}
    report = stats_service.annual_report(session, [agency.id], year)
    s3, s4 = report["section3"], report["section4"]
    statistics = stats_service.period_statistics(
        session, [agency.id], date(year, 1, 1), date(year, 12, 31)
    )
    fees = _fees_for(session, actor, agency.id, year)
    s4_totals = {k.label: s4.cell(k.value, TOTAL) for k in REMEDY_KINDS}
    s4_sums = {
        k.label: sum(s4.cell(k.value, r) for r in REMEDY_RESULTS if r != TOTAL)
        for k in REMEDY_KINDS
    }
    checks = cross_checks(
        new_received=s3.cell(NEW),
        results_total=s3.cell(RESULTS_TOTAL),
        carried_over=s3.cell(CARRIED_OUT),
        carried_in=s3.cell(CARRIED_IN),
        stats_received=statistics["received"]["total"],
        stats_finished=statistics["outcomes"]["finished"],
        stats_pending_at_end=statistics["pending_at_end"],
        fees_in_report=fees,
        fees_in_statistics=statistics["fees"],
        s4_totals=s4_totals,
        s4_sums=s4_sums,
    )
    names = {agency.id: agency.name}
    sections = stats_service.report_to_dict(report, names)
    return {
        "year": year,
        "agency_id": agency.id,
        "agency_name": agency.name,
        "title": f"{agency.name}{year}年政府信息公开工作年度报告",
        "section_titles": dict(SECTION_TITLES),
        "sections": [{"number": n, "title": t} for n, t in SECTION_TITLES.items()],
        "section1": {"text": inputs.get("section1_text")},
        "section2": {
            "text": inputs.get("section2_text"),
            "tables": section2_table(inputs),
            "topics_converted": statistics["topics_converted"],
        },
        "section3": sections["section3"],
        "section4": sections["section4"],
        "section5": {"text": inputs.get("section5_text")},
        "section6": {"text": inputs.get("section6_text"), "fees": fees},
        "checks": [c.as_dict() for c in checks],
        "checks_passed": all(c.passed for c in checks),
        "missing_inputs": missing_inputs(inputs),
        "identity_violations": list(report["identity_violations"]),
        "notes": list(report["notes"]),
        "_section3": s3,
        "_section4": s4,
    }


def public_dict(report: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


def full_report_table(report: Mapping[str, Any]) -> dict[str, Any]:
    """Context of ``annual_report_full.html.j2``."""
    table = stats_service.report_table(
        {
            "year": report["year"],
            "section3": report["_section3"],
            "section4": report["_section4"],
            "identity_violations": report["identity_violations"],
            "anomalies": [],
        },
        report["agency_name"],
    )
    return {**public_dict(report), **table, "text_labels": dict(TEXT_FIELDS)}
