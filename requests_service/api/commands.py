"""Typed commands from validated request bodies: the services take commands, not mappings.

A body validated by its marshmallow schema holds only the fields the client sent (under the
schema's names), so a command is built by keyword; nested parts become their own commands.
"""

from __future__ import annotations

from typing import Any

from requests_service.domain.lifecycle import Action
from requests_service.services.case_commands import (
    ACTION_COMMANDS,
    ActionCommand,
    ApplicantDetails,
    Registration,
    Submission,
)


def submission_from(data: dict[str, Any]) -> Submission:
    """An online application (``ApplicationSubmitSchema``)."""
    return Submission(**{**data, "applicant": ApplicantDetails(**data["applicant"])})


def registration_from(data: dict[str, Any]) -> Registration:
    """A clerk's registration (``CaseRegisterSchema``)."""
    return Registration(**{**data, "applicant": ApplicantDetails(**data["applicant"])})


def action_command(action: Action, data: dict[str, Any]) -> ActionCommand:
    """A lifecycle action's command from its per-action schema's fields (``api/contract.py``)."""
    return ACTION_COMMANDS[action](**data)
