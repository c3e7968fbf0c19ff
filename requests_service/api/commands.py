"""Typed commands from validated request bodies: the services take commands, not mappings.

A body validated by its marshmallow schema holds only the fields the client sent (under the
schema's names), so a command is built by keyword; nested parts become their own commands.
"""

from __future__ import annotations

from typing import Any

from requests_service.services.case_commands import ApplicantDetails, Registration, Submission


def submission_from(data: dict[str, Any]) -> Submission:
    """An online application (``ApplicationSubmitSchema``)."""
    return Submission(**{**data, "applicant": ApplicantDetails(**data["applicant"])})


def registration_from(data: dict[str, Any]) -> Registration:
    """A clerk's registration (``CaseRegisterSchema``)."""
    return Registration(**{**data, "applicant": ApplicantDetails(**data["applicant"])})
