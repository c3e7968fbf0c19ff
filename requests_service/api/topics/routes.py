"""Frequently requested information → proactive disclosure; public catalogue; surge alerts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from requests_service.api.auth import authorised_actor, current_actor, requires_roles
from requests_service.api.blueprint import Blueprint
from requests_service.api.topics.schemas import (
    CaseTopicMoveSchema,
    CatalogueQueryArgsSchema,
    PublishedItemSchema,
    RelatedSchema,
    SurgeAlertSchema,
    TopicDecisionSchema,
    TopicEventSchema,
    TopicMemberSchema,
    TopicMergeSchema,
    TopicQueryArgsSchema,
    TopicSchema,
    TopicSplitSchema,
)
from requests_service.db.session import current_session
from requests_service.domain.lifecycle import Role
from requests_service.services import cases as case_service
from requests_service.services import topic_corrections
from requests_service.services import topics as topic_service

blp = Blueprint(
    "topics",
    __name__,
    url_prefix="/",
    description="高频申请信息：相似申请归并、转为主动公开、突增预警、主动公开目录",
)

OFFICERS = (Role.REGISTRAR, Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
CORRECTORS = (Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN)


@blp.route("topics")
class Topics(MethodView):
    @blp.arguments(TopicQueryArgsSchema, location="query")
    @blp.response(200, TopicSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Groups of similar requests, most applicants first (candidates: status=candidate)"""
        actor = current_actor(*OFFICERS)
        rows, total = topic_service.list_topics(
            current_session(),
            actor,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
            status=args.get("status"),
            agency_id=args.get("agency_id"),
            min_applicants=args.get("min_applicants"),
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("topics/<int:topic_id>")
class TopicDetail(MethodView):
    @blp.response(200, TopicSchema)
    def get(self, topic_id: int) -> Any:
        """One topic"""
        actor = current_actor(*OFFICERS)
        return topic_service.get_topic(current_session(), actor, topic_id)


@blp.route("topics/<int:topic_id>/decision")
class TopicDecision(MethodView):
    @requires_roles(Role.APPROVER, Role.AGENCY_ADMIN)
    @blp.arguments(TopicDecisionSchema)
    @blp.response(200, TopicSchema)
    def post(self, data: dict[str, Any], topic_id: int) -> Any:
        """Convert to proactive disclosure (where, when, category) or decline with a reason"""
        actor = authorised_actor()
        session = current_session()
        topic = topic_service.get_topic(session, actor, topic_id)
        return topic_service.decide_topic(
            session, actor, topic, topic_service.TopicDecision(**data)
        )


@blp.route("topics/<int:topic_id>/history")
class TopicHistory(MethodView):
    @blp.response(200, TopicEventSchema(many=True))
    def get(self, topic_id: int) -> Any:
        """Audit trail of a topic"""
        actor = current_actor(*OFFICERS)
        return topic_service.topic_history(current_session(), actor, topic_id)


@blp.route("topics/<int:topic_id>/members")
class TopicMembers(MethodView):
    @blp.response(200, TopicMemberSchema(many=True))
    def get(self, topic_id: int) -> Any:
        """The topic's applications, each with the elements it shares with the topic"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        topic = topic_service.get_topic(session, actor, topic_id)
        return topic_corrections.topic_members(session, topic)


@blp.route("topics/<int:topic_id>/split")
class TopicSplit(MethodView):
    @requires_roles(*CORRECTORS)
    @blp.arguments(TopicSplitSchema)
    @blp.response(201, TopicSchema)
    def post(self, data: dict[str, Any], topic_id: int) -> Any:
        """Take applications that ask for other information out into a new topic (audited;
        kept as cannot-links)"""
        actor = authorised_actor()
        session = current_session()
        topic = topic_service.get_topic(session, actor, topic_id)
        return topic_corrections.split_topic(
            session, actor, topic, case_ids=data["case_ids"], reason=data["reason"]
        )


@blp.route("topics/<int:topic_id>/merge")
class TopicMerge(MethodView):
    @requires_roles(*CORRECTORS)
    @blp.arguments(TopicMergeSchema)
    @blp.response(200, TopicSchema)
    def post(self, data: dict[str, Any], topic_id: int) -> Any:
        """Fold another topic asking for the same information into this one (audited; kept as
        a must-link; refused when officers marked their applications as different)"""
        actor = authorised_actor()
        session = current_session()
        topic = topic_service.get_topic(session, actor, topic_id)
        other = topic_service.get_topic(session, actor, data["topic_id"])
        return topic_corrections.merge_topics(session, actor, topic, other, reason=data["reason"])


@blp.route("cases/<int:case_id>/topic")
class CaseTopic(MethodView):
    @requires_roles(*CORRECTORS)
    @blp.arguments(CaseTopicMoveSchema)
    @blp.response(200, TopicSchema)
    def put(self, data: dict[str, Any], case_id: int) -> Any:
        """Move an application to another topic of its agency (audited; kept as a must-link
        with the target and a cannot-link with the topic it leaves)"""
        actor = authorised_actor()
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        target = topic_service.get_topic(session, actor, data["topic_id"])
        return topic_corrections.move_case(session, actor, case, target, reason=data["reason"])


@blp.route("alerts")
class SurgeAlerts(MethodView):
    @blp.response(200, SurgeAlertSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """Surge alerts of your agencies (the oversight office sees those under it)"""
        actor = current_actor(*OFFICERS)
        rows, total = topic_service.list_alerts(
            current_session(),
            actor,
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )
        pagination_parameters.item_count = total
        return rows


@blp.route("alerts/<int:alert_id>/acknowledgement")
class SurgeAlertAck(MethodView):
    @requires_roles(Role.APPROVER, Role.AGENCY_ADMIN, Role.OVERSIGHT)
    @blp.response(200, SurgeAlertSchema)
    def post(self, alert_id: int) -> Any:
        """Acknowledge an alert (a response plan is being prepared)"""
        actor = authorised_actor()
        return topic_service.acknowledge_alert(current_session(), actor, alert_id)


@blp.route("cases/<int:case_id>/related")
class CaseRelated(MethodView):
    @blp.response(200, RelatedSchema)
    def get(self, case_id: int) -> Any:
        """The same applicant's earlier requests for this information and their replies, and
        whether their volume looks clearly excessive (Art. 35)"""
        actor = current_actor(*OFFICERS)
        session = current_session()
        case = case_service.get_case_for(session, actor, case_id)
        return topic_service.related_requests(session, case)


@blp.route("public/catalogue")
class PublicCatalogue(MethodView):
    @blp.doc(security=[])
    @blp.arguments(CatalogueQueryArgsSchema, location="query")
    @blp.response(200, PublishedItemSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Information already published proactively; with q, the items closest to your text —
        search here before applying"""
        return topic_service.catalogue(
            current_session(), q=args.get("q"), agency_id=args.get("agency_id")
        )
