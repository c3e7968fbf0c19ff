"""Reference data for clients: every enum with its Chinese labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask.views import MethodView

from requests_service.api.blueprint import Blueprint
from requests_service.api.schemas_base import Labelled, labels_of
from requests_service.domain.channels import Channel
from requests_service.domain.events import EventType
from requests_service.domain.identity import ApplicantType, IdType, OrganisationType
from requests_service.domain.lifecycle import Action, CaseState, Role
from requests_service.domain.outcomes import Outcome, OutcomeGroup

blp = Blueprint("meta", __name__, url_prefix="/meta", description="代码表：枚举值及中文名称")

ENUMS: dict[str, Iterable[Labelled]] = {
    "case_states": CaseState,
    "actions": Action,
    "roles": Role,
    "channels": Channel,
    "applicant_types": ApplicantType,
    "organisation_types": OrganisationType,
    "id_types": IdType,
    "outcome_groups": OutcomeGroup,
    "event_types": EventType,
}


def _outcomes() -> list[dict[str, Any]]:
    return [
        {
            "value": o.value,
            "label": o.label,
            "group": o.group.value,
            "group_label": o.group.label,
            "report_row": o.report_row,
            "legal_basis": o.legal_basis,
            "required_details": list(o.required_details),
            "optional_details": list(o.optional_details),
            "requires_reconsideration_first": o.requires_reconsideration_first,
        }
        for o in Outcome
    ]


@blp.route("/enums")
class Enums(MethodView):
    @blp.doc(security=[])
    @blp.response(200)
    def get(self) -> Any:
        """All code tables with Chinese labels, and the reply-outcome taxonomy"""
        body: dict[str, Any] = {name: labels_of(enum) for name, enum in ENUMS.items()}
        body["outcomes"] = _outcomes()
        return body
