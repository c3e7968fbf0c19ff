"""The fingerprint an Idempotency-Key stores is pinned byte for byte.

A retry is told apart from a different application with the same key by comparing the
fingerprint stored with the key; keys already stored must keep matching their retries after
any refactoring of how the submission reaches the service. So the canonical text hashed is
written out here literally (sorted keys, non-ASCII kept, dates and times as ``str()``), not
derived from the code: the given fields only, an explicit null kept, a blank optional field
of the web form left out.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import text

from tests.factories import World, resident_id, uscc


def _stored_fingerprint(app: Any, key: str) -> str:
    session = app.extensions["db_session_factory"]()
    try:
        fingerprint: str = session.execute(
            text("SELECT request_fingerprint FROM idempotency_keys WHERE key = :key"),
            {"key": key},
        ).scalar_one()
        return fingerprint
    finally:
        session.close()


def _sha256(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_public_submission_fingerprint_is_pinned(app: Any, client: Any, world: World) -> None:
    agency = world.agencies["A"]
    body = {
        "agency_id": agency,
        "applicant": {
            "applicant_type": "legal_person",
            "organisation_type": "commercial_enterprise",
            "name": "示范科技有限公司",
            "id_type": "unified_social_credit_code",
            "id_number": uscc(3),
            "contact_person": "王五",
            "phone": "010-12345678",
            "email": "info@example.com",
            "address": "示范市创新大道1号",
            "postcode": "100002",
            "notification_channel": "sms",
        },
        "requested_information": "  2025年度财政预算执行情况  ",
        "description_hint": "财政局网站",
        "delivery_form": "paper",
        "delivery_method": "post",
    }
    response = client.post(
        "/public/applications", json=body, headers={"Idempotency-Key": "pin-public-1"}
    )
    assert response.status_code == 201, response.json
    canonical = (
        f'{{"agency_id": {agency}, "applicant": {{"address": "示范市创新大道1号", '
        '"applicant_type": "legal_person", "contact_person": "王五", '
        '"email": "info@example.com", '
        f'"id_number": "{uscc(3)}", "id_type": "unified_social_credit_code", '
        '"name": "示范科技有限公司", "notification_channel": "sms", '
        '"organisation_type": "commercial_enterprise", "phone": "010-12345678", '
        '"postcode": "100002"}, '
        '"delivery_form": "paper", "delivery_method": "post", '
        '"description_hint": "财政局网站", '
        '"requested_information": "2025年度财政预算执行情况"}'
    )
    assert _stored_fingerprint(app, "pin-public-1") == _sha256(canonical)


def test_registration_fingerprint_is_pinned(app: Any, client: Any, world: World) -> None:
    body = {
        "agency_id": None,
        "channel": "post_signed",
        "applicant": {
            "applicant_type": "natural_person",
            "organisation_type": None,
            "name": "李四",
            "id_type": "resident_id",
            "id_number": resident_id(11),
            "address": "示范市幸福路12号",
        },
        "requested_information": "2025年本市重点建设项目计划",
        "submitted_at": "2025-03-01T09:30:00+08:00",
        "signed_for_at": "2025-03-03T10:00:00+08:00",
    }
    headers = {**world.auth("registrar"), "Idempotency-Key": "pin-desk-1"}
    response = client.post("/cases", json=body, headers=headers)
    assert response.status_code == 201, response.json
    canonical = (
        '{"agency_id": null, "applicant": {"address": "示范市幸福路12号", '
        '"applicant_type": "natural_person", '
        f'"id_number": "{resident_id(11)}", "id_type": "resident_id", "name": "李四", '
        '"organisation_type": null}, '
        '"channel": "post_signed", "requested_information": "2025年本市重点建设项目计划", '
        '"signed_for_at": "2025-03-03 10:00:00+08:00", '
        '"submitted_at": "2025-03-01 09:30:00+08:00"}'
    )
    scoped = f"register:{world.agencies['A']}:pin-desk-1"
    assert _stored_fingerprint(app, scoped) == _sha256(canonical)


def test_web_form_fingerprint_is_pinned(app: Any, client: Any, world: World) -> None:
    agency = world.agencies["A"]
    form = {
        "idempotency_key": "pin-form-1",
        "applicant_type": "natural_person",
        "name": "赵六",
        "id_type": "resident_id",
        "id_number": resident_id(12),
        "phone": "13800138000",
        "email": "",
        "address": "",
        "postcode": "",
        "organisation_type": "commercial_enterprise",
        "contact_person": "不应计入",
        "requested_information": "请公开2025年示范区老旧小区改造项目清单",
        "description_hint": "",
        "delivery_form": "electronic",
        "delivery_method": "email",
    }
    response = client.post(f"/apply/{agency}", data=form)
    assert response.status_code == 201, response.get_data(as_text=True)
    canonical = (
        f'{{"agency_id": {agency}, "applicant": {{"applicant_type": "natural_person", '
        f'"id_number": "{resident_id(12)}", "id_type": "resident_id", "name": "赵六", '
        '"phone": "13800138000"}, '
        '"delivery_form": "electronic", "delivery_method": "email", '
        '"requested_information": "请公开2025年示范区老旧小区改造项目清单"}'
    )
    assert _stored_fingerprint(app, "pin-form-1") == _sha256(canonical)
