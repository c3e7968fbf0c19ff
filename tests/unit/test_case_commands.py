"""Each lifecycle action's command carries exactly what its request schema can send, and each
per-action effect reads the command its action takes."""

from __future__ import annotations

import typing
from dataclasses import fields

import pytest

from requests_service.api.commands import action_command
from requests_service.api.contract import TRANSITION_SCHEMAS
from requests_service.domain.lifecycle import Action
from requests_service.services import cases
from requests_service.services.case_commands import (
    ACTION_COMMANDS,
    ActionCommand,
    ApplicantDetails,
    Extend,
    Registration,
    sent_fields,
)
from requests_service.services.commands import UNSET


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_every_field_of_the_action_schema_is_a_field_of_its_command(action: Action) -> None:
    schema_fields = set(TRANSITION_SCHEMAS[action.value]._declared_fields) - {"action"}
    command_fields = {f.name for f in fields(ACTION_COMMANDS[action])}
    assert schema_fields == command_fields


@pytest.mark.parametrize("action", list(cases.ACTION_EFFECTS), ids=lambda a: a.value)
def test_each_effect_takes_the_command_of_its_action(action: Action) -> None:
    hints = typing.get_type_hints(cases.ACTION_EFFECTS[action], vars(cases))
    assert hints["command"] is ACTION_COMMANDS[action]


def test_a_command_is_built_from_the_validated_fields() -> None:
    command = action_command(Action.EXTEND, {"extra_working_days": 5, "reason": "需要协调"})
    assert command == Extend(extra_working_days=5, reason="需要协调")


def test_transition_refuses_another_actions_command() -> None:
    with pytest.raises(TypeError, match="extend takes Extend"):
        cases.transition_case(None, None, None, Action.EXTEND, ActionCommand())  # type: ignore[arg-type]


def test_sent_fields_leave_out_what_was_not_sent_and_keep_an_explicit_null() -> None:
    registration = Registration(
        channel="in_person",
        applicant=ApplicantDetails(
            applicant_type="natural_person",
            id_type="resident_id",
            id_number="x",
            name="李四",
            organisation_type=None,
        ),
        requested_information="文件",
        agency_id=UNSET,
    )
    assert sent_fields(registration) == {
        "channel": "in_person",
        "applicant": {
            "applicant_type": "natural_person",
            "id_type": "resident_id",
            "id_number": "x",
            "name": "李四",
            "organisation_type": None,
        },
        "requested_information": "文件",
    }
