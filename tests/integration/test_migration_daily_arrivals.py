"""Revision i16a counts each topic's recent arrivals from its cases, so surge checks keep their
baseline across the upgrade."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import MetaData, Table, create_engine, delete, insert, select
from sqlalchemy.orm import Session

from requests_service.db import migrate
from requests_service.db.models import Agency, Applicant, Case, Topic
from requests_service.domain.channels import Channel
from requests_service.domain.identity import ApplicantType, IdType
from requests_service.domain.lifecycle import CaseState
from requests_service.timekeeping import legal_date, utcnow

# Columns of ``cases`` added by revisions after i16a (this test writes rows before it).
CASE_COLUMNS_SINCE_I16A = frozenset({"topic_pending"})


def test_upgrade_counts_recent_arrivals_per_topic(database_url: str) -> None:
    migrate.downgrade(database_url, "i13a_topic_corrections")
    engine = create_engine(database_url)
    now = utcnow()
    try:
        with Session(engine) as session:
            agency = Agency(name="迁移测试局", short_name="迁移局", case_number_prefix="迁移")
            applicant = Applicant(
                applicant_type=ApplicantType.NATURAL_PERSON,
                name="张三",
                id_type=IdType.RESIDENT_ID,
                id_number="110101199003070019",
                id_fingerprint="migration-test",
            )
            session.add_all([agency, applicant])
            session.flush()
            # Only the columns the topics table has before i16a.
            topic_id = session.execute(
                insert(Topic.__table__)
                .values(
                    agency_id=agency.id,
                    representative_text="拆迁补偿标准",
                    status="open",
                    case_count=3,
                    applicant_count=1,
                    first_on=legal_date(now),
                    last_on=legal_date(now),
                    created_at=now,
                )
                .returning(Topic.__table__.c.id)
            ).scalar_one()
            # Only the columns the cases table has before i16a (the model's defaults applied, as
            # the ORM would): a later revision's column is not there yet.
            cases_then = Table(
                "cases",
                MetaData(),
                *(c._copy() for c in Case.__table__.c if c.name not in CASE_COLUMNS_SINCE_I16A),
            )
            for n, age in enumerate((timedelta(0), timedelta(days=1), timedelta(days=40))):
                session.execute(
                    insert(cases_then).values(
                        version=1,
                        agency_id=agency.id,
                        applicant_id=applicant.id,
                        state=CaseState.RECEIVED,
                        channel=Channel.ONLINE,
                        tracking_code=f"MIGRATE{n}",
                        tracking_secret_hash="0" * 64,
                        requested_information="拆迁补偿标准",
                        submitted_at=now - age,
                        reply_details={},
                        topic_id=topic_id,
                    )
                )
            session.commit()
        engine.dispose()

        migrate.upgrade(database_url)

        with Session(engine) as session:
            arrivals = session.scalar(select(Topic.daily_arrivals).where(Topic.id == topic_id))
            # The 40-day-old application is beyond what the surge check reads.
            assert arrivals == {
                legal_date(now - timedelta(days=1)).isoformat(): 1,
                legal_date(now).isoformat(): 1,
            }
            session.execute(delete(Case).where(Case.topic_id == topic_id))
            session.execute(delete(Topic).where(Topic.id == topic_id))
            session.execute(delete(Applicant).where(Applicant.id_fingerprint == "migration-test"))
            session.execute(delete(Agency).where(Agency.name == "迁移测试局"))
            session.commit()
    finally:
        engine.dispose()
        migrate.upgrade(database_url)
