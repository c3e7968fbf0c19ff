"""Annual-report benchmark on PostgreSQL: sections 三 and 四 over 100,000 cases.

Creates a throwaway database ``rs_bench_<random>`` at 127.0.0.1:5432, upgrades it with the
project's migrations, seeds ``--cases`` cases (default 100,000) with COPY — 20 agencies under
one oversight office, natural persons and the five kinds of organisations, receipt dates from
December 2025 to November 2026, every outcome of section 三, replies and closures, open cases —
plus reconsiderations and lawsuits, and then times

    services.statistics.annual_report(session, <all 21 agency ids>, 2026)

(one query for the cases, one for the remedies, the pure domain functions over the records):
median of ``--repeats`` runs (default 5) after one warm-up, target <= 1 s.  It also times
``period_statistics`` for the same year and checks that the report's identities hold.

The database is dropped at the end (``WITH (FORCE)``, also on error) unless ``--keep``.

    .venv/bin/python bench/bench_annual_report_db.py [--cases 100000] [--seed N] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from benchkit import copy_rows, say, timed, weighted  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from throwaway_db import PG_SERVER, create_database, drop_database  # noqa: E402

from requests_service.db.migrate import upgrade  # noqa: E402
from requests_service.domain.lifecycle import CaseState  # noqa: E402
from requests_service.domain.outcomes import Outcome  # noqa: E402
from requests_service.domain.statistics import TOTAL  # noqa: E402
from requests_service.services.statistics import annual_report, period_statistics  # noqa: E402

TARGET_S = 1.0
YEAR = 2026
AGENCIES = 20
CASES_PER_APPLICANT = 5
FIRST_RECEIPT = date(2025, 12, 1)
LAST_DAY = date(2026, 11, 24)
REMEDY_SHARE = 0.02

ORGANISATIONS = (
    ("commercial_enterprise", 50),
    ("research_institution", 10),
    ("social_welfare_organisation", 10),
    ("legal_service_organisation", 15),
    ("other", 15),
)
CHANNELS = (
    ("in_person", 30),
    ("online", 40),
    ("email", 10),
    ("post_signed", 10),
    ("ordinary_mail", 7),
    ("fax", 3),
)
# Outcomes with rough real-world weights; the closures end with closed_on, the rest replied_on.
OUTCOMES = tuple((o, 30 if o is Outcome.DISCLOSED else 4) for o in Outcome)
CLOSURES = {
    Outcome.OTHER_NO_CORRECTION: CaseState.CLOSED_NO_CORRECTION,
    Outcome.OTHER_FEE_UNPAID: CaseState.CLOSED_FEE_UNPAID,
    Outcome.OTHER: CaseState.WITHDRAWN,
}
OPEN_STATES = (
    CaseState.REGISTERED,
    CaseState.UNDER_REVIEW,
    CaseState.IN_HANDLING,
    CaseState.THIRD_PARTY_CONSULTATION,
    CaseState.AWAITING_FEE_PAYMENT,
    CaseState.REPLY_DRAFTED,
)
CASE_COLUMNS = (
    "version",
    "agency_id",
    "applicant_id",
    "state",
    "channel",
    "case_number",
    "case_year",
    "case_seq",
    "tracking_code",
    "tracking_secret_hash",
    "requested_information",
    "description_hint",
    "delivery_form",
    "delivery_method",
    "submitted_at",
    "receipt_date",
    "registered_at",
    "due_on",
    "due_provisional",
    "extended",
    "correction_requested",
    "clock_inputs",
    "outcome",
    "reply_reasons",
    "reply_legal_basis",
    "reply_details",
    "replied_on",
    "closed_on",
    "created_at",
    "updated_at",
)


# ---------------------------------------------------------------- database


# ---------------------------------------------------------------- seeding

AGENCY_COLUMNS = (
    "id",
    "name",
    "short_name",
    "case_number_prefix",
    "is_oversight_office",
    "parent_id",
    "intake_office_name",
    "intake_address",
    "intake_postcode",
    "intake_phone",
    "intake_email",
    "intake_office_hours",
    "online_form_url",
    "reconsideration_body",
    "court",
    "correction_period_working_days",
    "fee_waiver_allowed",
    "hold_reply_while_filing_pending",
    "active",
    "created_at",
)
APPLICANT_COLUMNS = (
    "id",
    "applicant_type",
    "organisation_type",
    "name",
    "id_type",
    "id_number",
    "id_fingerprint",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "created_at",
)
REMEDY_COLUMNS = (
    "case_id",
    "agency_id",
    "kind",
    "body",
    "external_case_number",
    "filed_on",
    "decided_on",
    "result",
    "correction_reasons",
    "notes",
    "created_at",
    "updated_at",
)


def stamp(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def agency_rows(now: datetime) -> list[tuple[Any, ...]]:
    agencies = []
    for agency_id in range(1, AGENCIES + 2):
        root = agency_id == 1
        name = "示范市政府信息公开监督办公室" if root else f"示范市第{agency_id - 1:02d}局"
        agencies.append(
            (
                agency_id,
                name,
                name[-4:],
                f"示范{agency_id:02d}依申",
                root,
                None if root else 1,
                f"{name}政府信息公开工作机构",
                "示范市人民路1号",
                "100000",
                "010-12345678",
                "ogi@example.gov.cn",
                "工作日9:00-17:00",
                "",
                "示范市人民政府",
                "示范市人民法院",
                15,
                False,
                False,
                True,
                now,
            )
        )
    return agencies


def applicant_rows(n_applicants: int, rng: random.Random, now: datetime) -> list[tuple[Any, ...]]:
    organisations = weighted(ORGANISATIONS)
    applicants = []
    for a in range(1, n_applicants + 1):
        natural = rng.random() < 0.7
        number = f"{a:018d}"
        applicants.append(
            (
                a,
                "natural_person" if natural else "legal_person",
                None if natural else rng.choice(organisations),
                f"申请人{a:06d}",
                "resident_id" if natural else "unified_social_credit_code",
                number,
                hashlib.sha256(number.encode()).hexdigest(),
                "",
                "13800138000",
                "",
                "",
                "",
                now,
            )
        )

    return applicants


def seed(conn: psycopg.Connection[Any], n_cases: int, rng: random.Random) -> dict[str, Any]:
    now = datetime.now(UTC)
    agencies = agency_rows(now)
    n_applicants = max(1, n_cases // CASES_PER_APPLICANT)
    applicants = applicant_rows(n_applicants, rng, now)

    channels = weighted(CHANNELS)
    outcomes = weighted(OUTCOMES)
    span = (LAST_DAY - FIRST_RECEIPT).days
    seq: dict[tuple[int, int], int] = {}
    finished_cases: list[tuple[int, int, date]] = []

    def cases() -> Iterator[tuple[Any, ...]]:
        for i in range(1, n_cases + 1):
            receipt = FIRST_RECEIPT + timedelta(days=rng.randint(0, span))
            agency_id = 2 + i % AGENCIES
            key = (agency_id, receipt.year)
            seq[key] = seq.get(key, 0) + 1
            due = receipt + timedelta(days=28)
            done = receipt + timedelta(days=rng.randint(0, 45))
            outcome: Outcome | None = None
            replied = closed = None
            if rng.random() < 0.9 and done <= LAST_DAY:
                outcome = rng.choice(outcomes)
                if outcome in CLOSURES:
                    state = CLOSURES[outcome]
                    closed = done
                else:
                    state = rng.choice((CaseState.DELIVERED, CaseState.ARCHIVED))
                    replied = done
                finished_cases.append((i, agency_id, done))
            else:
                state = rng.choice(OPEN_STATES)
            yield (
                1,
                agency_id,
                rng.randint(1, n_applicants),
                state.value,
                rng.choice(channels),
                f"示范{agency_id:02d}依申〔{receipt.year}〕第{seq[key]:06d}号",
                receipt.year,
                seq[key],
                f"BA{i:010d}{rng.getrandbits(40):010x}",
                hashlib.sha256(i.to_bytes(8, "little")).hexdigest(),
                f"申请公开{receipt.year}年本市重点建设项目第{i % 997}批资金安排",
                "",
                "electronic",
                "email",
                stamp(receipt),
                receipt,
                stamp(receipt, 7),
                due,
                False,
                False,
                False,
                "[]",
                outcome.value if outcome else None,
                "",
                "",
                "{}",
                replied,
                closed,
                now,
                now,
            )

    kinds = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
    results = ("upheld", "corrected", "other")

    def remedies() -> Iterator[tuple[Any, ...]]:
        for case_id, agency_id, done in finished_cases:
            if rng.random() >= REMEDY_SHARE:
                continue
            filed = done + timedelta(days=rng.randint(5, 60))
            decided: date | None = filed + timedelta(days=rng.randint(30, 120))
            result = rng.choice(results)
            if decided is not None and decided > LAST_DAY:
                decided, result = None, "pending"
            yield (
                case_id,
                agency_id,
                rng.choice(kinds),
                "示范市人民政府",
                "",
                filed,
                decided,
                result,
                '["other"]' if result == "corrected" else "[]",
                "",
                now,
                now,
            )

    with conn.cursor() as cur:
        copy_rows(cur, "agencies", AGENCY_COLUMNS, agencies)
        copy_rows(cur, "applicants", APPLICANT_COLUMNS, applicants)
        copy_rows(cur, "cases", CASE_COLUMNS, cases())
        remedy_rows = list(remedies())
        copy_rows(cur, "remedy_records", REMEDY_COLUMNS, remedy_rows)
        for table in ("agencies", "applicants", "cases", "remedy_records"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return {"agency_ids": list(range(1, AGENCIES + 2)), "remedies": len(remedy_rows)}


# ---------------------------------------------------------------- measuring


def run(args: argparse.Namespace, name: str, url: str) -> dict[str, Any]:
    rng = random.Random(args.seed)
    say(f"database {name}: migrating")
    upgrade(url)
    say(f"seeding {args.cases:,} cases with COPY")
    started = time.perf_counter()
    with psycopg.connect(f"postgresql://{PG_SERVER}/{name}") as conn:
        ref = seed(conn, args.cases, rng)
    seed_s = time.perf_counter() - started
    say(f"  seeded in {seed_s:.1f} s ({ref['remedies']:,} remedy records)")

    engine = create_engine(url)
    ids = ref["agency_ids"]
    times: list[float] = []
    report: dict[str, Any] = {}
    try:
        with Session(engine) as session:
            annual_report(session, ids, YEAR)  # warm-up: connection, statement cache
            session.rollback()
            for _ in range(args.repeats):
                seconds, report = timed(lambda: annual_report(session, ids, YEAR))
                session.rollback()
                times.append(seconds)
                say(f"  annual_report({YEAR}) over {len(ids)} agencies: {seconds:.3f} s")
            stats_s, stats = timed(
                lambda: period_statistics(session, ids, date(YEAR, 1, 1), date(YEAR, 12, 31))
            )
            session.rollback()
    finally:
        engine.dispose()

    s3, s4 = report["section3"], report["section4"]
    new, carried_in = s3.cell("new_received"), s3.cell("carried_over_from_previous_year")
    results, carried_out = s3.cell("results_total"), s3.cell("carried_over_to_next_year")
    say(
        f"  section 三: 一 {new:,} + 二 {carried_in:,} = 三(七) {results:,} + 四 {carried_out:,}"
        f"  (identity violations: {len(report['identity_violations'])}, "
        f"anomalies: {len(report['anomalies'])})"
    )
    say("  section 四 totals: " + ", ".join(f"{k} {v[TOTAL]}" for k, v in s4.figures.items()))
    say(f"  period_statistics({YEAR}): {stats_s:.3f} s")
    consistent = (
        not report["identity_violations"]
        and stats["received"]["total"] == new
        and stats["outcomes"]["total"] == results
        and stats["pending_at_end"] == carried_out
    )
    say(f"  statistics agree with section 三: {consistent}")
    return {
        "seed_s": seed_s,
        "median_s": statistics.median(times),
        "consistent": consistent,
        "rows": new + carried_in,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name, url = create_database()
    try:
        figures = run(args, name, url)
    finally:
        if args.keep:
            say(f"\nkept database {name}: {url}")
        else:
            drop_database(name)
            say(f"\ndropped database {name}")
    ok = figures["median_s"] <= TARGET_S
    say("\n== summary ==")
    say(f"  seeding {args.cases:,} cases: {figures['seed_s']:.1f} s")
    say(
        f"  annual report {YEAR} ({figures['rows']:,} cases in scope): median "
        f"{figures['median_s']:.3f} s of {args.repeats}  (target <= {TARGET_S:.0f} s: "
        f"{'OK' if ok else 'MISSED'})"
    )
    return 0 if ok and figures["consistent"] else 1


if __name__ == "__main__":
    sys.exit(main())
