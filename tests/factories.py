"""Test data builders: valid ID numbers, agencies, officers with tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from requests_service.db.models import Agency, ApiToken, User, UserRole
from requests_service.domain.identity import resident_id_check_char, uscc_check_char
from requests_service.domain.lifecycle import Role
from requests_service.services.access import hash_token


def resident_id(serial: int = 1, birth: str = "19900307") -> str:
    body = f"110101{birth}{serial % 1000:03d}"
    return body + resident_id_check_char(body)


def uscc(serial: int = 1) -> str:
    body = f"91110000{serial:09d}"
    return body + uscc_check_char(body)


def person(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    data = {
        "applicant_type": "natural_person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": resident_id(serial),
        "phone": "13800138000",
        "email": "zhangsan@example.com",
        "address": "示范市幸福路10号",
        "postcode": "100001",
    }
    data.update(overrides)
    return data


def company(serial: int = 1, **overrides: Any) -> dict[str, Any]:
    data = {
        "applicant_type": "legal_person",
        "organisation_type": "commercial_enterprise",
        "name": "示范科技有限公司",
        "id_type": "unified_social_credit_code",
        "id_number": uscc(serial),
        "contact_person": "王经理",
        "phone": "010-88886666",
    }
    data.update(overrides)
    return data


@dataclass
class World:
    agencies: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build_world(session: Any) -> World:
    """Oversight office O over agencies A and B; a second office O2 over agency C."""
    world = World()

    def agency(key: str, parent: str | None = None, oversight: bool = False) -> Agency:
        row = Agency(
            name=f"测试机关{key}",
            short_name=key,
            case_number_prefix=f"{key}依申",
            is_oversight_office=oversight,
            parent_id=world.agencies.get(parent) if parent else None,
            intake_office_name=f"{key}政府信息公开办公室",
            intake_address="示范市人民路1号",
            intake_postcode="100001",
            intake_phone="010-12345678",
            intake_email="gk@example.gov.cn",
            intake_office_hours="工作日9:00-17:00",
            reconsideration_rule="same_level_government",
            same_level_government="示范市人民政府",
            reconsideration_body="示范市人民政府",
            court="示范市人民法院",
        )
        session.add(row)
        session.flush()
        world.agencies[key] = row.id
        return row

    agency("O", oversight=True)
    agency("A", "O")
    agency("B", "O")
    agency("O2", oversight=True)
    agency("C", "O2")

    def user(key: str, agency_key: str, *roles: Role) -> None:
        row = User(agency_id=world.agencies[agency_key], username=key, display_name=f"用户{key}")
        row.role_rows = [UserRole(role=r) for r in roles]
        session.add(row)
        session.flush()
        token = f"rs_test_{key}"
        session.add(ApiToken(user_id=row.id, token_hash=hash_token(token), name="test"))
        world.users[key] = row.id
        world.tokens[key] = token

    user("registrar", "A", Role.REGISTRAR)
    user("handler", "A", Role.HANDLER)
    user("approver", "A", Role.APPROVER)
    user("admin", "A", Role.AGENCY_ADMIN)
    user("handler_b", "B", Role.HANDLER)
    user("oversight", "O", Role.OVERSIGHT)
    user("oversight2", "O2", Role.OVERSIGHT)
    user("handler_c", "C", Role.HANDLER)
    session.commit()
    return world
