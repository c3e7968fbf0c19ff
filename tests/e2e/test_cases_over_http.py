"""Whole cases through gunicorn + the letter worker, driven by the generated client."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.e2e.conftest import Service
from tests.factories import person, resident_id

pytestmark = pytest.mark.commits

WAIT = {"Prefer": "wait=60"}
DISCLOSED = {
    "decision": "reply",
    "outcome": "disclosed",
    "reasons": "该信息属于可以公开的政府信息。",
    "details": {"disclosure_route": "provided"},
}
PARTIAL = {
    "decision": "reply",
    "outcome": "partially_disclosed",
    "reasons": "申请公开的信息中，部分内容涉及个人隐私。",
    "details": {
        "withheld_parts": [
            {"description": "被征收人住址", "reason": "个人隐私", "legal_basis": "第十五条"}
        ],
        "disclosed_part_description": "补偿标准文件正文",
    },
}


class Driver:
    """The three officers and the applicant, each with the generated client."""

    def __init__(self, pkg: Any, service: Service) -> None:
        from requests_service_client.api.cases import post_cases_case_id_transitions
        from requests_service_client.api.decisions import (
            post_cases_case_id_decisions,
            post_cases_case_id_decisions_approval,
        )
        from requests_service_client.api.letters import (
            get_cases_case_id_letters_letter_id_pdf,
            post_cases_case_id_letters_letter_id_delivery,
        )
        from requests_service_client.api.public import (
            get_public_tracking_code,
            post_public_applications,
            post_public_tracking_code_correction,
            post_public_tracking_code_withdrawal,
        )

        self.pkg, self.service = pkg, service
        self.m = pkg.models
        self.public = service.client(pkg)
        self.officers = {
            who: service.client(pkg, who) for who in ("registrar", "handler", "approver")
        }
        self.api = {
            "submit": post_public_applications,
            "track": get_public_tracking_code,
            "correct": post_public_tracking_code_correction,
            "withdraw": post_public_tracking_code_withdrawal,
            "transition": post_cases_case_id_transitions,
            "decide": post_cases_case_id_decisions,
            "approve": post_cases_case_id_decisions_approval,
            "deliver": post_cases_case_id_letters_letter_id_delivery,
            "pdf": get_cases_case_id_letters_letter_id_pdf,
        }
        agencies = httpx.get(service.base_url + "/public/agencies").json()
        self.agency_id = next(a["id"] for a in agencies if a["name"] == "示范市发展和改革委员会")
        self.handler_id = next(
            u["id"]
            for u in httpx.get(
                service.base_url + "/admin/users",
                headers={"Authorization": "Bearer rs_demo_admin"},
            ).json()
            if u["username"] == "demo-handler"
        )
        service.calls = 0
        self.case_calls = 0

    def submit(self, serial: int) -> Any:
        body = self.m.ApplicationSubmit.from_dict(
            {
                "agency_id": self.agency_id,
                # Not a demo applicant (`seed-demo` registers people born 1976-11-08 up to six
                # days back; it once used the factory's 1990-03-07): the per-piece fee counts the
                # same person's earlier pieces in the month, so the fee case would charge 600.
                "applicant": person(serial, id_number=resident_id(serial, birth="19850615")),
                "requested_information": "请公开2025年XX区拆迁补偿标准文件",
                "delivery_form": "electronic",
                "delivery_method": "email",
            }
        )
        receipt = self.api["submit"].sync(client=self.public, body=body)
        assert isinstance(receipt, self.m.SubmissionReceipt), receipt
        return receipt

    def register(self, case_id: int) -> Any:
        body = self.m.TransitionRegister.from_dict(
            {"action": "register", "assignee_id": self.handler_id}
        )
        case = self.api["transition"].sync(case_id, client=self.officers["registrar"], body=body)
        assert isinstance(case, self.m.CaseDetail), case
        assert case.state == "registered" and case.assignee_id == self.handler_id
        return case

    def decide(self, case_id: int, who: str, decision: dict[str, Any]) -> Any:
        model = {
            "reply": self.m.ReplyDecision,
            "correction": self.m.CorrectionDecision,
            "extension": self.m.ExtensionDecision,
            "fee": self.m.FeeDecision,
        }[decision["decision"]]
        result = self.api["decide"].sync(
            case_id, client=self.officers[who], body=model.from_dict(decision), prefer="wait=60"
        )
        assert isinstance(result, self.m.DecisionResult), result
        return result

    def approve(self, case_id: int) -> Any:
        result = self.api["approve"].sync(
            case_id,
            client=self.officers["approver"],
            body=self.m.Approval.from_dict({}),
            prefer="wait=60",
        )
        assert isinstance(result, self.m.DecisionResult), result
        assert not result.pending and all(lt.status == "issued" for lt in result.letters)
        return result

    def transition(self, case_id: int, who: str, model: str, body: dict[str, Any]) -> Any:
        case = self.api["transition"].sync(
            case_id, client=self.officers[who], body=getattr(self.m, model).from_dict(body)
        )
        assert isinstance(case, self.m.CaseDetail), case
        return case

    def finish(self, receipt: Any) -> bytes:
        """Approve (number + issue the reply letter), deliver + archive, download the PDF."""
        case_id = receipt.case_id
        approved = self.approve(case_id)
        assert approved.case.state == "replied"
        reply = next(lt for lt in approved.letters if lt.kind == "reply")
        delivered = self.api["deliver"].sync(
            case_id,
            reply.id,
            client=self.officers["registrar"],
            body=self.m.LetterDelivery.from_dict({"delivery_method": "email", "archive": True}),
        )
        assert isinstance(delivered, self.m.Letter), delivered
        pdf = self.download(case_id, reply)
        self.case_calls = self.service.calls  # the case is done; what follows only checks it
        tracked = self.api["track"].sync(
            receipt.tracking_code, client=self.public, x_tracking_secret=receipt.tracking_secret
        )
        assert isinstance(tracked, self.m.Tracking), tracked
        assert tracked.state == "archived"
        assert reply.document_number in [item.document_number for item in tracked.letters]
        return pdf

    def download(self, case_id: int, letter: Any) -> bytes:
        response = self.api["pdf"].sync_detailed(
            case_id, letter.id, client=self.officers["handler"]
        )
        assert response.status_code == 200
        # Through gunicorn: the Chinese document number travels RFC 5987-encoded.
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("inline;") and "filename*=UTF-8''" in disposition
        data = response.content
        assert hashlib.sha256(data).hexdigest() == letter.pdf_sha256
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        assert letter.document_number in text
        return data


@pytest.fixture
def driver(generated_client: Any, service: Service) -> Driver:
    return Driver(generated_client, service)


@pytest.mark.parametrize("decision", [DISCLOSED, PARTIAL], ids=["disclosed", "partial"])
def test_whole_case_in_at_most_eight_calls(driver: Driver, decision: dict[str, Any]) -> None:
    receipt = driver.submit(1 if decision is DISCLOSED else 2)
    driver.register(receipt.case_id)
    decided = driver.decide(receipt.case_id, "handler", decision)
    assert decided.case.state == "reply_drafted"
    driver.finish(receipt)
    assert driver.case_calls == 6  # submit, register, decide, approve, deliver, PDF


def test_fee_case(driver: Driver) -> None:
    receipt = driver.submit(3)
    driver.register(receipt.case_id)
    driver.decide(
        receipt.case_id, "handler", {"decision": "fee", "method": "per_piece", "units": 15}
    )
    notice = driver.approve(receipt.case_id)
    assert notice.case.state == "awaiting_fee_payment"
    fee_letter = notice.letters[0]
    assert fee_letter.kind == "fee_notice"
    payment = {
        "action": "record_fee_payment",
        "amount": "500.00",
        "payment_method": "银行转账",
        "receipt_number": "FS-0001",
    }
    paid = driver.transition(receipt.case_id, "registrar", "TransitionRecordFeePayment", payment)
    assert paid.state == "in_handling"
    driver.decide(receipt.case_id, "handler", DISCLOSED)
    driver.finish(receipt)
    assert driver.case_calls == 9


def test_correction_case(driver: Driver) -> None:
    receipt = driver.submit(4)
    driver.register(receipt.case_id)
    correction = {"decision": "correction", "correction_items": ["请写明文件的文号或名称"]}
    assert driver.decide(receipt.case_id, "handler", correction).case.state == "awaiting_correction"
    notice = driver.approve(receipt.case_id)
    assert [lt.kind for lt in notice.letters] == ["correction_notice"]
    corrected = driver.api["correct"].sync(
        receipt.tracking_code,
        client=driver.public,
        x_tracking_secret=receipt.tracking_secret,
        body=driver.m.PublicCorrection.from_dict(
            {"corrected_information": "请公开示范市XX区2025年拆迁补偿标准（示府〔2025〕1号）"}
        ),
    )
    assert corrected.state == "in_handling"
    driver.decide(receipt.case_id, "handler", DISCLOSED)
    driver.finish(receipt)
    assert driver.case_calls == 9


def test_extension_case(driver: Driver) -> None:
    receipt = driver.submit(5)
    before = driver.register(receipt.case_id)
    extension = {"decision": "extension", "extra_working_days": 20, "reason": "需要多个部门会商"}
    # Art. 33: the handler asks, the head of the office agrees (and signs the notice).
    requested = driver.decide(receipt.case_id, "handler", extension)
    assert not requested.case.extended and requested.letters == []
    extended = driver.approve(receipt.case_id)
    assert extended.case.extended and extended.case.due_on > before.due_on
    assert [(lt.kind, lt.status) for lt in extended.letters] == [("extension_notice", "issued")]
    driver.decide(receipt.case_id, "handler", DISCLOSED)
    driver.finish(receipt)
    assert driver.case_calls == 8  # the extension notice is downloaded by the applicant


def test_withdrawal_case(driver: Driver) -> None:
    receipt = driver.submit(6)
    withdrawn = driver.api["withdraw"].sync(
        receipt.tracking_code,
        client=driver.public,
        x_tracking_secret=receipt.tracking_secret,
        body=driver.m.PublicWithdraw.from_dict({}),
    )
    assert withdrawn.state == "withdrawn"
    archived = driver.transition(
        receipt.case_id, "registrar", "TransitionArchive", {"action": "archive"}
    )
    assert archived.state == "archived"
    assert driver.service.calls == 3


def test_generated_client_parses_every_documented_error(driver: Driver) -> None:
    receipt = driver.submit(7)
    m = driver.m
    conflict = driver.api["transition"].sync_detailed(
        receipt.case_id,
        client=driver.officers["handler"],
        body=m.TransitionArchive.from_dict({"action": "archive"}),
    )
    assert conflict.status_code == 409
    assert isinstance(conflict.parsed, m.Error) and conflict.parsed.reason == "invalid_transition"
    stale = driver.api["transition"].sync_detailed(
        receipt.case_id,
        client=driver.officers["registrar"],
        body=m.TransitionRegister.from_dict({"action": "register"}),
        if_match='"stale"',
    )
    assert stale.status_code == 412 and stale.parsed.reason == "precondition_failed"
    invalid = driver.api["decide"].sync_detailed(
        receipt.case_id,
        client=driver.officers["handler"],
        body=m.FeeDecision.from_dict({"decision": "fee", "method": "per_piece", "units": 0}),
    )
    assert invalid.status_code == 422
    assert (
        invalid.parsed.reason == "validation_failed" and "units" in invalid.parsed.errors.to_dict()
    )
    missing = driver.api["track"].sync_detailed(
        "NOSUCHCODE", client=driver.public, x_tracking_secret="x"
    )
    assert missing.status_code == 404 and isinstance(missing.parsed, m.Error)
    malformed = httpx.post(
        driver.service.base_url + "/public/applications",
        content=b"{bad",
        headers={"Content-Type": "application/json"},
    )
    body = m.Error.from_dict(malformed.json())
    assert malformed.status_code == 400 and body.reason == "malformed_json"
