"""Statistics per agency and period, and the annual report (sections 三 and 四) as JSON, CSV,
HTML or PDF."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.downloads import csv_response, pdf_response
from requests_service.api.stats.schemas import (
    AnnualReportInputsInSchema,
    AnnualReportInputsSchema,
    AnnualReportQueryArgsSchema,
    AnnualReportSchema,
    FullReportQueryArgsSchema,
    FullReportSchema,
    ReportAgencyArgsSchema,
    StatisticsQueryArgsSchema,
    StatisticsSchema,
)
from requests_service.db.session import current_session
from requests_service.domain.errors import Unavailable
from requests_service.domain.lifecycle import Role
from requests_service.letters.render import render_pdf
from requests_service.letters.service_adapter import missing_fonts
from requests_service.services import annual_report as full_service
from requests_service.services import report_formats
from requests_service.services import statistics as stats_service
from requests_service.services.clock import legal_today

blp = Blueprint(
    "stats",
    __name__,
    url_prefix="/",
    description="统计与年度报告：收到和处理申请情况、复议诉讼情况（第三、四部分）",
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
TEMPLATE = "annual_report.html.j2"

_CSV = {"type": "string"}
_PDF = {"type": "string", "format": "binary"}
_HTML = {"type": "string"}
STATISTICS_DESCRIPTION = "JSON（默认）；format=csv：类别,项目,代码,数值（UTF-8，带BOM）"
REPORT_DESCRIPTION = (
    "JSON（默认）；format=csv：第三部分、空行、第四部分（UTF-8，带BOM）；"
    "format=html：可打印的报表；format=pdf：A4横向PDF"
)


@lru_cache(maxsize=4)
def _environment(templates_dir: str) -> Environment:
    # Templates are code, not data: one compiled environment per directory and process.
    return Environment(
        loader=FileSystemLoader(templates_dir), autoescape=True, undefined=StrictUndefined
    )


def _scope_label(names: dict[int, str], agency_ids: list[int], root: int, rollup: bool) -> str:
    name = names.get(root, "")
    if rollup and len(agency_ids) > 1:
        return f"{name}（含下级机关，共{len(agency_ids)}个机关）"
    return name


@blp.route("statistics")
class Statistics(MethodView):
    @blp.arguments(StatisticsQueryArgsSchema, location="query")
    @blp.response(200, StatisticsSchema, description=STATISTICS_DESCRIPTION)
    @blp.alt_response(200, schema=_CSV, content_type="text/csv", description=STATISTICS_DESCRIPTION)
    def get(self, args: dict[str, Any]) -> Any:
        """Figures of an agency (or its whole subtree) over a period: received, outcomes,
        timeliness, extensions, fees, open and overdue, topics converted"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        agency_ids = stats_service.scope_agency_ids(
            session, actor, args.get("agency_id"), args["rollup"]
        )
        figures = stats_service.period_statistics(
            session, agency_ids, args["date_from"], args["date_to"]
        )
        if args["format"] == "csv":
            name = f"statistics-{args['date_from'].isoformat()}-{args['date_to'].isoformat()}.csv"
            return csv_response(report_formats.statistics_csv(figures), name)
        return figures


@blp.route("reports/annual/<int:year>")
class AnnualReport(MethodView):
    @blp.arguments(AnnualReportQueryArgsSchema, location="query")
    @blp.response(200, AnnualReportSchema, description=REPORT_DESCRIPTION)
    @blp.alt_response(200, schema=_CSV, content_type="text/csv", description=REPORT_DESCRIPTION)
    @blp.alt_response(200, schema=_HTML, content_type="text/html", description=REPORT_DESCRIPTION)
    @blp.alt_response(
        200, schema=_PDF, content_type="application/pdf", description=REPORT_DESCRIPTION
    )
    @blp.alt_response(503, description="服务器缺少字体，暂不能生成PDF")
    def get(self, args: dict[str, Any], year: int) -> Any:
        """Annual report sections 三 (applications received and handled) and 四
        (reconsideration and litigation), from the case data of the year"""
        actor = current_actor(*OFFICERS)
        stats_service.validate_report_year(year, legal_today())
        session = current_session()
        agency_ids = stats_service.scope_agency_ids(
            session, actor, args.get("agency_id"), args["rollup"]
        )
        report = stats_service.annual_report(session, agency_ids, year)
        fmt = args["format"]
        if fmt == "csv":
            return csv_response(report_formats.report_csv(report), f"annual-report-{year}.csv")
        names = stats_service.agency_names(session, agency_ids)
        if fmt == "json":
            return stats_service.report_to_dict(report, names)
        root = args.get("agency_id") or actor.home_agency_id
        label = _scope_label(names, agency_ids, root, args["rollup"])
        templates_dir = current_app.config["LETTER_TEMPLATES_DIR"]
        html = (
            _environment(templates_dir)
            .get_template(TEMPLATE)
            .render(stats_service.report_table(report, label))
        )
        if fmt == "html":
            return Response(html, mimetype="text/html")
        if missing_fonts():
            raise Unavailable(
                "服务器缺少中文字体（" + "、".join(missing_fonts()) + "），暂不能生成PDF报表。"
            )
        return pdf_response(render_pdf(html, base_url=templates_dir), f"annual-report-{year}.pdf")


FULL_TEMPLATE = "annual_report_full.html.j2"
FULL_DESCRIPTION = (
    "JSON（默认）；format=csv：六个部分依次排列（UTF-8，带BOM）；format=html：可打印的报告；"
    "format=pdf：A4 PDF。每个单元格与同年统计数据核对（checks）。"
)


@blp.route("reports/annual/<int:year>/inputs")
class AnnualReportInputs(MethodView):
    @blp.arguments(ReportAgencyArgsSchema, location="query")
    @blp.response(200, AnnualReportInputsSchema)
    def get(self, args: dict[str, Any], year: int) -> Any:
        """The agency's inputs to the year's report (sections 一、二、五、六) and what is missing"""
        actor = current_actor(*OFFICERS)
        return full_service.get_inputs(current_session(), actor, year, args.get("agency_id"))

    @requires_roles(*full_service.EDITORS)
    @blp.arguments(ReportAgencyArgsSchema, location="query")
    @blp.arguments(AnnualReportInputsInSchema)
    @blp.response(200, AnnualReportInputsSchema)
    def put(self, args: dict[str, Any], data: dict[str, Any], year: int) -> Any:
        """Replace the year's inputs (validated; audited with before and after)"""
        actor = authorised_actor()
        return full_service.put_inputs(current_session(), actor, year, args.get("agency_id"), data)


@blp.route("reports/annual/<int:year>/full")
class FullAnnualReport(MethodView):
    @blp.arguments(FullReportQueryArgsSchema, location="query")
    @blp.response(200, FullReportSchema, description=FULL_DESCRIPTION)
    @blp.alt_response(200, schema=_CSV, content_type="text/csv", description=FULL_DESCRIPTION)
    @blp.alt_response(200, schema=_HTML, content_type="text/html", description=FULL_DESCRIPTION)
    @blp.alt_response(
        200, schema=_PDF, content_type="application/pdf", description=FULL_DESCRIPTION
    )
    @blp.alt_response(503, description="服务器缺少字体，暂不能生成PDF")
    def get(self, args: dict[str, Any], year: int) -> Any:
        """The whole annual report, sections 一–六 in the national format (条例第五十条)"""
        actor = current_actor(*OFFICERS)
        report = full_service.full_report(current_session(), actor, year, args.get("agency_id"))
        fmt = args["format"]
        if fmt == "json":
            return full_service.public_dict(report)
        if fmt == "csv":
            return csv_response(
                report_formats.full_report_csv(report), f"annual-report-full-{year}.csv"
            )
        templates_dir = current_app.config["LETTER_TEMPLATES_DIR"]
        html = (
            _environment(templates_dir)
            .get_template(FULL_TEMPLATE)
            .render(full_service.full_report_table(report))
        )
        if fmt == "html":
            return Response(html, mimetype="text/html")
        if missing_fonts():
            raise Unavailable(
                "服务器缺少中文字体（" + "、".join(missing_fonts()) + "），暂不能生成PDF报告。"
            )
        return pdf_response(
            render_pdf(html, base_url=templates_dir), f"annual-report-full-{year}.pdf"
        )
