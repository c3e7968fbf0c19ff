"""Intake cost of the similar-request index (``services.topics.place_request`` before the case
INSERT, ``record_placement`` after it) on a full index.

Target (issue): adding one new application to the index — p99 <= 50 ms.

PostgreSQL (default): creates a throwaway database ``rs_bench_<random>`` at 127.0.0.1:5432,
upgrades it with the project's migrations and pre-populates one agency with ``--existing``
applications (default 200,000) received over the last 12 months: applicants, ``topics``,
``cases`` and their ``request_band_keys`` rows (42 band keys + entity/place/kind keys), all
with COPY, and each topic's slot profile.  Texts come from the generator of
``bench/bench_similarity.py`` (~90 subjects × paraphrases × ~160 places × 11 years,
Zipf-like popularity, so a few topics hold thousands of applications).  Each existing
application gets the topic ``domain.similarity.cluster`` gives it (``--topics cluster``) or its
generator topic (``--topics truth``).  Band keys are the domain's (``signatures`` and the same
band hashing as ``band_keys``; checked against ``band_keys(signature(text))`` on a sample).
The band-key indexes and foreign key are dropped for the load and re-created afterwards from
their catalogue definitions; then ``VACUUM ANALYZE`` (what autovacuum would have done).

Then ``--n`` new applications (default 500, after ``--warmup`` untimed ones), each in its own
transaction through ``db.session.make_session_factory``: load the agency (as intake does), time
``place_request``, insert the Applicant and the Case with its topic (not timed), time
``record_placement`` + ``flush`` and, separately, the whole transaction (applicant + case
insert, index, commit).  Prints p50/p95/p99/max in ms for both, how many joined an existing
topic or started one, and where the time goes per SQL statement.  ``--profile`` adds a
cProfile of the indexing.

SQLite (``--sqlite``): the same against a temp-file database with ``--existing`` defaulting to
50,000.  ``--both`` runs PostgreSQL and then SQLite.  The PostgreSQL database is dropped
``WITH (FORCE)`` at the end, also on error (unless ``--keep``).

    .venv/bin/python bench/bench_intake_index.py [--n 500] [--existing 200000] [--sqlite|--both]
                                                 [--topics cluster|truth] [--profile] [--keep]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import math
import pstats
import random
import re
import secrets
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, ROOT / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from bench_similarity import generate  # noqa: E402
from sqlalchemy import Engine, event, func, select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402
from throwaway_db import create_database, drop_database  # noqa: E402

from requests_service.db.base import utcnow  # noqa: E402
from requests_service.db.migrate import upgrade  # noqa: E402
from requests_service.db.models import (  # noqa: E402
    Agency,
    Applicant,
    Case,
    RequestBandKey,
    SurgeAlert,
    Topic,
    TopicEvent,
)
from requests_service.db.session import make_engine, make_session_factory  # noqa: E402
from requests_service.domain import similarity as sim  # noqa: E402
from requests_service.domain.channels import Channel  # noqa: E402
from requests_service.domain.identity import ApplicantType, IdType  # noqa: E402
from requests_service.domain.lifecycle import CaseState  # noqa: E402
from requests_service.services.clock import SHANGHAI, legal_date, legal_today  # noqa: E402
from requests_service.services.topic_records import ARRIVAL_DAYS_KEPT  # noqa: E402
from requests_service.services.topics import (  # noqa: E402
    WINDOW_DAYS,
    place_request,
    record_placement,
)

TARGET_P99_MS = 50.0
CASES_PER_APPLICANT = 2
COPY_CHUNK_CASES = 5_000
BAND_PREFIXES = tuple(f"{b:02d}:" for b in range(sim.BANDS))


def say(message: str = "") -> None:
    print(message, flush=True)


@contextmanager
def stopwatch(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    say(f"  {label}: {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------- synthetic index


@dataclass
class SeedTopic:
    representative: str
    members: list[int]
    first_on: date
    last_on: date
    applicants: int
    truth: int  # the generator topic most members come from


@dataclass
class Seed:
    texts: list[str]
    truth: list[int]
    received: list[date]
    submitted: list[datetime]
    applicant_of: list[int]
    n_applicants: int
    topic_of: list[int]  # 1-based topic id per existing application
    topics: list[SeedTopic]
    hashes: np.ndarray  # (n, BANDS) uint64 band hashes
    has_keys: np.ndarray  # (n,) bool: False for texts empty after normalisation
    slot_keys: list[list[str]] = field(default_factory=list)  # entity/place/kind keys
    profiles: list[str] = field(default_factory=list)  # each topic's slot_profile (JSON)
    new_texts: list[str] = field(default_factory=list)
    new_truth: list[int] = field(default_factory=list)

    def band_keys(self, i: int) -> list[str]:
        if not self.has_keys[i]:
            return []
        return [f"{p}{int(h):016x}" for p, h in zip(BAND_PREFIXES, self.hashes[i], strict=True)]

    def index_keys(self, i: int) -> list[str]:
        """What intake stores for a case: band keys and slot keys."""
        return self.band_keys(i) + (self.slot_keys[i] if self.slot_keys else [])


@dataclass
class Probe:
    """What measuring needs; the bulky seed data is freed first, so that the cyclic GC does not
    rescan millions of seed objects a real app process would not hold."""

    n_existing: int
    n_topics: int
    new_texts: list[str]
    new_truth: list[int]
    truth_of_topic: dict[int, int]

    @classmethod
    def of(cls, seed: Seed) -> Probe:
        return cls(
            n_existing=len(seed.texts),
            n_topics=len(seed.topics),
            new_texts=seed.new_texts,
            new_truth=seed.new_truth,
            truth_of_topic={k: t.truth for k, t in enumerate(seed.topics, start=1)},
        )


def build_seed(n_existing: int, n_new: int, seed: int, topics_mode: str) -> Seed:
    say(f"generating {n_existing:,} existing + {n_new:,} new application texts")
    texts, truth = generate(n_existing + n_new, seed)
    rng = np.random.default_rng(seed + 7)
    today = legal_today()
    ages = rng.integers(0, WINDOW_DAYS, size=n_existing)  # received in the last 12 months
    seconds = rng.integers(8 * 3600, 18 * 3600, size=n_existing)
    received = [today - timedelta(days=int(a)) for a in ages]
    submitted = [
        (datetime.combine(d, dtime(0), SHANGHAI) + timedelta(seconds=int(s))).astimezone(UTC)
        for d, s in zip(received, seconds, strict=True)
    ]
    n_applicants = max(1, n_existing // CASES_PER_APPLICANT)
    applicant_of = (rng.integers(1, n_applicants + 1, size=n_existing)).tolist()
    old_texts, old_truth = texts[:n_existing], truth[:n_existing]

    groups: list[tuple[str, list[int]]]
    started = time.perf_counter()
    if topics_mode == "cluster":
        clustered = sim.cluster(enumerate(old_texts))
        groups = [(t.representative, list(t.member_ids)) for t in clustered]
    else:
        by_truth: dict[int, list[int]] = defaultdict(list)
        for i, t in enumerate(old_truth):
            by_truth[t].append(i)
        groups = [(old_texts[m[0]], m) for m in sorted(by_truth.values(), key=len, reverse=True)]
    say(f"  topics ({topics_mode}): {len(groups):,} in {time.perf_counter() - started:.1f} s")
    topic_of = [0] * n_existing
    topics: list[SeedTopic] = []
    for k, (rep, members) in enumerate(groups, start=1):
        for m in members:
            topic_of[m] = k
        days = [received[m] for m in members]
        topics.append(
            SeedTopic(
                representative=rep[:2000],
                members=members,
                first_on=min(days),
                last_on=max(days),
                applicants=len({applicant_of[m] for m in members}),
                truth=Counter(old_truth[m] for m in members).most_common(1)[0][0],
            )
        )
    sizes = sorted((len(t.members) for t in topics), reverse=True)
    say(
        f"  largest topics: {sizes[:5]}; topics with >= 100 applications: "
        f"{sum(1 for s in sizes if s >= 100):,}; singletons: {sum(1 for s in sizes if s == 1):,}"
    )

    started = time.perf_counter()
    sigs = sim.signatures(old_texts)
    has_keys = ~np.all(sigs == 0xFFFFFFFF, axis=1)
    # The same band hashing as band_keys(), vectorised over all rows (checked just below).
    hashes = sim.lsh._band_hashes(sigs)
    del sigs
    out = Seed(
        texts=old_texts,
        truth=old_truth,
        received=received,
        submitted=submitted,
        applicant_of=applicant_of,
        n_applicants=n_applicants,
        topic_of=topic_of,
        topics=topics,
        hashes=hashes,
        has_keys=has_keys,
        new_texts=texts[n_existing:],
        new_truth=truth[n_existing:],
    )
    feats = [sim.features_of(t) for t in old_texts]
    out.slot_keys = [sim.slot_keys(f) for f in feats]
    for topic in topics:
        profile = feats[topic.members[0]]
        for m in topic.members[1:]:
            profile = sim.merge_slots(profile, feats[m])
        out.profiles.append(json.dumps(sim.slots_to_json(profile), ensure_ascii=False))
    del feats
    check = random.Random(seed).sample(range(n_existing), min(200, n_existing))
    for i in check:
        assert out.band_keys(i) == sim.band_keys(sim.signature(old_texts[i])), i
    say(f"  signatures + band keys: {time.perf_counter() - started:.1f} s (checked on a sample)")
    return out


def applicant_rows(seed: Seed, now: datetime) -> Iterator[tuple[Any, ...]]:
    for a in range(1, seed.n_applicants + 1):
        number = f"{a:018d}"
        yield (
            a,
            ApplicantType.NATURAL_PERSON.value,
            None,
            f"申请人{a:06d}",
            IdType.RESIDENT_ID.value,
            number,
            hashlib.sha256(number.encode()).hexdigest(),
            "",
            "13800138000",
            "",
            "",
            "",
            now,
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
TOPIC_COLUMNS = (
    "id",
    "agency_id",
    "representative_text",
    "status",
    "case_count",
    "applicant_count",
    "first_on",
    "last_on",
    "created_at",
    "slot_profile",
    "daily_arrivals",
)
CASE_COLUMNS = (
    "id",
    "version",
    "agency_id",
    "applicant_id",
    "state",
    "channel",
    "tracking_code",
    "tracking_secret_hash",
    "requested_information",
    "description_hint",
    "delivery_form",
    "delivery_method",
    "submitted_at",
    "receipt_date",
    "registered_at",
    "due_provisional",
    "extended",
    "correction_requested",
    "clock_inputs",
    "reply_reasons",
    "reply_legal_basis",
    "reply_details",
    "pieces",
    "topic_id",
    "created_at",
    "updated_at",
)
BAND_COLUMNS = ("case_id", "band_key", "agency_id", "received_on")


def topic_rows(seed: Seed, agency_id: int, min_applicants: int) -> Iterator[tuple[Any, ...]]:
    first = legal_today() - timedelta(days=ARRIVAL_DAYS_KEPT)
    for k, t in enumerate(seed.topics, start=1):
        arrivals = Counter(legal_date(seed.submitted[m]) for m in t.members)
        created = datetime.combine(t.first_on, dtime(9), SHANGHAI).astimezone(UTC)
        status = "candidate" if t.applicants >= min_applicants else "open"
        yield (
            k,
            agency_id,
            t.representative,
            status,
            len(t.members),
            t.applicants,
            t.first_on,
            t.last_on,
            created,
            seed.profiles[k - 1],
            json.dumps({d.isoformat(): n for d, n in sorted(arrivals.items()) if d >= first}),
        )


def case_rows(seed: Seed, agency_id: int) -> Iterator[tuple[Any, ...]]:
    for i, text_ in enumerate(seed.texts):
        at = seed.submitted[i]
        yield (
            i + 1,
            1,
            agency_id,
            seed.applicant_of[i],
            CaseState.REGISTERED.value,
            Channel.ONLINE.value,
            f"BI{i:012d}",
            "0" * 64,
            text_,
            "",
            "electronic",
            "email",
            at,
            seed.received[i],
            at,
            False,
            False,
            False,
            "[]",
            "",
            "",
            "{}",
            1,
            seed.topic_of[i],
            at,
            at,
        )


def band_key_chunks(seed: Seed, agency_id: int, sep: str = "\t") -> Iterator[list[str]]:
    """Lines ``case_id, band_key, agency_id, received_on`` (keys of a case sorted)."""
    n = len(seed.texts)
    for start in range(0, n, COPY_CHUNK_CASES):
        lines: list[str] = []
        for i in range(start, min(n, start + COPY_CHUNK_CASES)):
            tail = f"{sep}{agency_id}{sep}{seed.received[i].isoformat()}\n"
            head = f"{i + 1}{sep}"
            lines.extend(head + key + tail for key in sorted(seed.index_keys(i)))
        yield lines


# ---------------------------------------------------------------- PostgreSQL


def check_pg_columns(cur: psycopg.Cursor[Any], table: str, filled: Sequence[str]) -> None:
    """Fail fast if the schema gained a NOT NULL column without default that COPY misses."""
    cur.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
        (table,),
    )
    missing = sorted({c for (c,) in cur.fetchall()} - set(filled) - {"id"})
    if missing:
        raise SystemExit(f"{table} has NOT NULL columns the bench does not fill: {missing}")


def copy_rows(
    cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], rows: Iterator[Any]
) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_postgres(url: str, seed: Seed, agency_id: int, min_applicants: int) -> None:
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    now = datetime.now(UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        for table, cols in (
            ("applicants", APPLICANT_COLUMNS),
            ("topics", TOPIC_COLUMNS),
            ("cases", CASE_COLUMNS),
            ("request_band_keys", BAND_COLUMNS),
        ):
            check_pg_columns(cur, table, cols)
        # Rows are consistent by construction; foreign-key triggers off for the bulk load
        # (the band-key foreign key is re-added below, which validates it).
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '1GB'")
        with stopwatch(f"COPY {seed.n_applicants:,} applicants"):
            copy_rows(cur, "applicants", APPLICANT_COLUMNS, applicant_rows(seed, now))
        with stopwatch(f"COPY {len(seed.topics):,} topics"):
            copy_rows(cur, "topics", TOPIC_COLUMNS, topic_rows(seed, agency_id, min_applicants))
        with stopwatch(f"COPY {len(seed.texts):,} cases"):
            copy_rows(cur, "cases", CASE_COLUMNS, case_rows(seed, agency_id))

        # Band keys: drop their indexes and foreign key, COPY, re-create from the catalogue.
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
            " WHERE conrelid = 'request_band_keys'::regclass ORDER BY contype DESC"
        )
        constraints = cur.fetchall()  # p (primary key) before f (foreign key)
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'request_band_keys'"
        )
        owned = {name for name, _, _ in constraints}
        indexes = [(n, d) for n, d in cur.fetchall() if n not in owned]
        for name, _, _ in sorted(constraints, key=lambda c: c[2]):  # f before p
            cur.execute(f'ALTER TABLE request_band_keys DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        n_keys = 0
        with (
            stopwatch("COPY band keys"),
            cur.copy(f"COPY request_band_keys ({', '.join(BAND_COLUMNS)}) FROM STDIN") as copy,
        ):
            for lines in band_key_chunks(seed, agency_id):
                n_keys += len(lines)
                copy.write("".join(lines))
        say(f"    {n_keys:,} band-key rows")
        with stopwatch("re-create band-key primary key, index and foreign key"):
            for name, definition, _ in constraints:
                cur.execute(f'ALTER TABLE request_band_keys ADD CONSTRAINT "{name}" {definition}')
            for _, definition in indexes:
                cur.execute(definition)
        cur.execute("SET session_replication_role = origin")
        for table in ("applicants", "topics", "cases"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        conn.commit()
        conn.autocommit = True
        with stopwatch("VACUUM ANALYZE"):
            for table in ("applicants", "topics", "cases", "request_band_keys"):
                cur.execute(f"VACUUM ANALYZE {table}")
        cur.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('request_band_keys')),"
            " pg_size_pretty(pg_relation_size('ix_request_band_keys_lookup'))"
        )
        total, ix = cur.fetchone() or ("?", "?")
        say(f"    request_band_keys: {total} with indexes; (agency_id, band_key) index {ix}")


# ---------------------------------------------------------------- SQLite


def _sqlite_stamp(moment: datetime) -> str:
    # What SQLAlchemy's UtcDateTime stores on SQLite: UTC, no offset, microseconds.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _sqlite_stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_insert(
    con: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterator[Any]
) -> None:
    marks = ", ".join("?" for _ in columns)
    con.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        ([_sqlite_value(v) for v in row] for row in rows),
    )


def check_sqlite_columns(con: sqlite3.Connection, table: str, filled: Sequence[str]) -> None:
    missing = sorted(
        name
        for _, name, _, notnull, default, pk in con.execute(f"PRAGMA table_info({table})")
        if notnull and default is None and not pk and name not in filled
    )
    if missing:
        raise SystemExit(f"{table} has NOT NULL columns the bench does not fill: {missing}")


def load_sqlite(path: Path, seed: Seed, agency_id: int, min_applicants: int) -> None:
    now = datetime.now(UTC)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA synchronous=OFF")
        for table, cols in (
            ("applicants", APPLICANT_COLUMNS),
            ("topics", TOPIC_COLUMNS),
            ("cases", CASE_COLUMNS),
            ("request_band_keys", BAND_COLUMNS),
        ):
            check_sqlite_columns(con, table, cols)
        with stopwatch("insert applicants, topics, cases"):
            _sqlite_insert(con, "applicants", APPLICANT_COLUMNS, applicant_rows(seed, now))
            _sqlite_insert(
                con, "topics", TOPIC_COLUMNS, topic_rows(seed, agency_id, min_applicants)
            )
            _sqlite_insert(con, "cases", CASE_COLUMNS, case_rows(seed, agency_id))
        (ix_sql,) = con.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_request_band_keys_lookup'"
        ).fetchone()
        con.execute("DROP INDEX ix_request_band_keys_lookup")
        n_keys = 0
        with stopwatch("insert band keys"):
            for lines in band_key_chunks(seed, agency_id, sep="\x1f"):
                n_keys += len(lines)
                con.executemany(
                    "INSERT INTO request_band_keys (case_id, band_key, agency_id, received_on)"
                    " VALUES (?, ?, ?, ?)",
                    (line.rstrip("\n").split("\x1f") for line in lines),
                )
        say(f"    {n_keys:,} band-key rows")
        with stopwatch("re-create band-key index, ANALYZE"):
            con.execute(ix_sql)
            con.commit()
            con.execute("ANALYZE")
            con.commit()
    finally:
        con.close()


# ---------------------------------------------------------------- measuring


def _statement_label(statement: str) -> str:
    s = re.sub(r"\s+", " ", statement).strip()
    s = re.sub(r"\(__\[POSTCOMPILE_\w+\]\)|IN \([^)]*\)", "IN (…)", s)
    return s[:96]


class StatementTimer:
    """Wall time of each SQL statement while ``active``, grouped by statement text."""

    def __init__(self, engine: Engine) -> None:
        self.active = False
        self.current: dict[str, float] = defaultdict(float)
        self.gc_ms = 0.0
        self._gc_t0 = 0.0
        gc.callbacks.append(self._gc)
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            elapsed = time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())
            self.current[_statement_label(statement)] += elapsed * 1000

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if not self.active:
            return
        if phase == "start":
            self._gc_t0 = time.perf_counter()
        else:
            self.gc_ms += (time.perf_counter() - self._gc_t0) * 1000

    def close(self) -> None:
        gc.callbacks.remove(self._gc)

    def start(self) -> None:
        self.current = defaultdict(float)
        self.gc_ms = 0.0
        self.active = True

    def stop(self) -> dict[str, float]:
        self.active = False
        out = dict(self.current)
        if self.gc_ms:
            out["(cyclic garbage collection pauses, inside the Python share)"] = self.gc_ms
        return out


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> str:
    return (
        f"p50 {pct(values, 0.5):6.2f}  p95 {pct(values, 0.95):6.2f}  "
        f"p99 {pct(values, 0.99):6.2f}  max {max(values):6.2f} ms"
    )


@dataclass
class Sample:
    index_ms: float
    txn_ms: float
    statements: dict[str, float]
    outcome: str  # "seeded" | "run" | "new"
    agrees: bool
    fanout_rows: int = 0
    fanout_cases: int = 0
    topic_size: int = 0


def measure(
    engine: Engine,
    factory: sessionmaker[Session],
    probe: Probe,
    agency_id: int,
    n: int,
    warmup: int,
    profile: bool,
) -> list[Sample]:
    timer = StatementTimer(engine)
    profiler = cProfile.Profile() if profile else None
    seeded_max = probe.n_topics
    truth_of_topic = dict(probe.truth_of_topic)
    samples: list[Sample] = []
    texts = probe.new_texts
    for j in range(warmup + n):
        text_, truth = texts[j], probe.new_truth[j]
        one = _intake_one(factory, timer, profiler, agency_id, j, text_, timed=j >= warmup)
        outcome = _outcome(one.size, one.topic_id, seeded_max)
        if outcome == "new":
            truth_of_topic[one.topic_id] = truth
        if j >= warmup:
            samples.append(
                Sample(
                    index_ms=one.index_ms,
                    txn_ms=one.txn_ms,
                    statements=one.statements,
                    outcome=outcome,
                    agrees=truth_of_topic.get(one.topic_id) == truth,
                    topic_size=one.size,
                )
            )
            samples[-1].fanout_rows, samples[-1].fanout_cases = _fanout(
                factory, agency_id, one.case.id, text_
            )
    timer.close()
    if profiler is not None:
        _print_profile(profiler)
    return samples


@dataclass
class _Intake:
    index_ms: float
    txn_ms: float
    statements: dict[str, float]
    topic_id: int
    size: int
    case: Case


def _intake_one(
    factory: sessionmaker[Session],
    timer: StatementTimer,
    profiler: cProfile.Profile | None,
    agency_id: int,
    j: int,
    text_: str,
    *,
    timed: bool,
) -> _Intake:
    """One new application in its own transaction, as intake does it; the index's share
    (``place_request``, ``record_placement`` + flush) timed apart from the whole."""
    number = f"9{j:017d}"
    t0 = time.perf_counter()
    with factory() as session:
        agency = session.get(Agency, agency_id)  # intake loads the agency first (get_agency)
        assert agency is not None
        applicant = Applicant(
            applicant_type=ApplicantType.NATURAL_PERSON,
            name=f"新申请人{j:05d}",
            id_type=IdType.RESIDENT_ID,
            id_number=number,
            id_fingerprint=hashlib.sha256(number.encode()).hexdigest(),
        )
        now = utcnow()
        timer.start()
        if profiler is not None and timed:
            profiler.enable()
        t1 = time.perf_counter()
        placement = place_request(
            session,
            agency_id=agency_id,
            text=text_,
            received=legal_date(now),
            arrived_on=legal_date(now),
        )
        t2 = time.perf_counter()
        if profiler is not None:
            profiler.disable()
        # The case INSERT (with its topic) is intake's own statement, not the index's.
        timer.active = False
        case = Case(
            agency_id=agency_id,
            applicant=applicant,
            state=CaseState.RECEIVED,
            channel=Channel.ONLINE,
            tracking_code=f"BN{secrets.token_hex(8)}",
            tracking_secret_hash="0" * 64,
            requested_information=text_,
            submitted_at=now,
            receipt_date=legal_date(now),
            created_at=now,
            reply_details={},
            topic_id=placement.topic_id,
            topic_explanation=placement.explanation,
        )
        session.add(case)
        session.flush()
        timer.active = True
        if profiler is not None and timed:
            profiler.enable()
        t3 = time.perf_counter()
        indexed = record_placement(session, case, placement, agency)
        session.flush()
        t4 = time.perf_counter()
        if profiler is not None:
            profiler.disable()
        statements = timer.stop()
        topic_id, size = indexed.topic_id, indexed.case_count
        session.commit()
        t5 = time.perf_counter()
    return _Intake(
        index_ms=(t2 - t1 + t4 - t3) * 1000,
        txn_ms=(t5 - t0) * 1000,
        statements=statements,
        topic_id=topic_id,
        size=size,
        case=case,
    )


def _outcome(size: int, topic_id: int, seeded_max: int) -> str:
    """ "new" (started a topic), "seeded" (joined a pre-populated one) or "run" (joined one
    started earlier in this run)."""
    if size <= 1:
        return "new"
    if topic_id <= seeded_max:
        return "seeded"
    return "run"


def _print_profile(profiler: cProfile.Profile) -> None:
    for order, top in (("cumulative", 30), ("tottime", 20)):
        buf = io.StringIO()
        stats = pstats.Stats(profiler, stream=buf)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        say(f"\n  cProfile of the indexing + flush, all timed applications, by {order}:")
        lines = [line for line in buf.getvalue().splitlines() if line.strip()]
        say("\n".join("    " + line for line in lines[3:]))


def _fanout(
    factory: sessionmaker[Session], agency_id: int, case_id: int, text_: str
) -> tuple[int, int]:
    """Rows (and distinct other cases) the band-key lookup returned for this case (untimed)."""
    keys = sim.band_keys(sim.signature(text_))
    if not keys:
        return 0, 0
    since = legal_today() - timedelta(days=WINDOW_DAYS)
    with factory() as session:
        rows, cases = session.execute(
            select(func.count(), func.count(func.distinct(RequestBandKey.case_id))).where(
                RequestBandKey.agency_id == agency_id,
                RequestBandKey.band_key.in_(keys),
                RequestBandKey.received_on >= since,
                RequestBandKey.case_id != case_id,
            )
        ).one()
        session.rollback()
    return int(rows), int(cases)


def report(backend: str, probe: Probe, samples: list[Sample], engine: Engine) -> None:
    index_ms = [s.index_ms for s in samples]
    txn_ms = [s.txn_ms for s in samples]
    p99 = pct(index_ms, 0.99)
    verdict = "MEETS" if p99 <= TARGET_P99_MS else "MISSES"
    say(
        f"\n== {backend}: {probe.n_existing:,} existing applications, "
        f"{probe.n_topics:,} topics; {len(samples)} new applications =="
    )
    say(f"  indexing + flush        {summary(index_ms)}   ({verdict} target p99 <= 50 ms)")
    say(f"  whole transaction       {summary(txn_ms)}   (applicant + case insert, index, commit)")
    counts = Counter(s.outcome for s in samples)
    agree = sum(s.agrees for s in samples)
    say(
        f"  topics: joined an existing topic {counts['seeded'] + counts['run']} "
        f"(pre-populated {counts['seeded']}, started earlier in this run {counts['run']}), "
        f"created a new topic {counts['new']}; same generator topic as the topic's: "
        f"{agree}/{len(samples)}"
    )
    rows = [s.fanout_rows for s in samples]
    say(
        f"  band-key lookup fan-out (rows returned): p50 {pct(rows, 0.5):,.0f}  "
        f"p95 {pct(rows, 0.95):,.0f}  p99 {pct(rows, 0.99):,.0f}  max {max(rows):,}; "
        f"distinct candidate cases p99 {pct([s.fanout_cases for s in samples], 0.99):,.0f}"
    )
    sizes = [s.topic_size for s in samples]
    say(f"  size of the topic joined/created: p50 {pct(sizes, 0.5):,}  max {max(sizes):,}")
    # Where the time goes: SQL statements (client-observed) vs the rest (Python, ORM, domain).
    sql_ms = [sum(v for k, v in s.statements.items() if k[0] != "(") for s in samples]
    slow = sorted(range(len(samples)), key=lambda k: samples[k].index_ms)
    say("  slowest 1% (index ms = SQL ms + rest; GC ms; lookup rows; topic size):")
    for k in slow[-max(1, len(samples) // 100) :]:
        s = samples[k]
        gc_ms = sum(v for label, v in s.statements.items() if label[0] == "(")
        say(
            f"    {s.index_ms:6.1f} = {sql_ms[k]:5.1f} + {s.index_ms - sql_ms[k]:5.1f}; "
            f"GC {gc_ms:5.1f}; {s.fanout_rows:,} rows; topic of {s.topic_size:,}"
        )
    labels: set[str] = set().union(*(s.statements for s in samples))
    totals = {label: [s.statements.get(label, 0.0) for s in samples] for label in labels}
    say("  per statement of the indexing (ms per application: mean / p99; share of time):")
    total_all = sum(index_ms)
    for label, values in sorted(totals.items(), key=lambda kv: -sum(kv[1])):
        say(
            f"    {sum(values) / len(values):6.2f} / {pct(values, 0.99):6.2f}  "
            f"{100 * sum(values) / total_all:4.1f}%  {label}"
        )
    rest = [i - q for i, q in zip(index_ms, sql_ms, strict=True)]
    say(
        f"    {sum(rest) / len(rest):6.2f} / {pct(rest, 0.99):6.2f}  "
        f"{100 * sum(rest) / total_all:4.1f}%  (outside SQL: Python, ORM, MinHash, re-rank, GC)"
    )
    with Session(engine) as session:
        alerts = session.scalar(select(func.count()).select_from(SurgeAlert)) or 0
        events = session.scalar(select(func.count()).select_from(TopicEvent)) or 0
        topics = session.scalar(select(func.count()).select_from(Topic)) or 0
    say(f"  afterwards: {topics:,} topics, {events} topic events, {alerts} surge alerts")


def seed_agency(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session:
        agency = Agency(
            name="示范市住房和城乡建设局",
            short_name="市住建局",
            case_number_prefix="示范住建依申",
        )
        session.add(agency)
        session.commit()
        return agency.id, agency.topic_min_applicants


def run_backend(backend: str, args: argparse.Namespace, n_existing: int) -> None:
    say(f"\n######## {backend} ########")
    seed = build_seed(n_existing, args.warmup + args.n, args.seed, args.topics)
    name = None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    sqlite_path: Path | None = None
    engine: Engine | None = None
    try:
        if backend == "postgresql":
            name, url = create_database()
            say(f"database {name}: migrating")
        else:
            tmp = tempfile.TemporaryDirectory(prefix="rs_bench_")
            sqlite_path = Path(tmp.name) / "bench.sqlite"
            url = f"sqlite:///{sqlite_path}"
            say(f"database {url}: migrating")
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        agency_id, min_applicants = seed_agency(factory)
        say(f"pre-populating {n_existing:,} applications")
        started = time.perf_counter()
        if sqlite_path is None:
            load_postgres(url, seed, agency_id, min_applicants)
        else:
            engine.dispose()
            load_sqlite(sqlite_path, seed, agency_id, min_applicants)
        say(f"  pre-populated in {time.perf_counter() - started:.1f} s")
        probe = Probe.of(seed)
        del seed
        gc.collect()
        # As gunicorn.conf.py does in each worker after loading the app.
        gc.freeze()
        samples = measure(engine, factory, probe, agency_id, args.n, args.warmup, args.profile)
        report(backend, probe, samples, engine)
    finally:
        if engine is not None:
            engine.dispose()
        if name is not None:
            if args.keep:
                say(f"kept database {name}")
            else:
                drop_database(name)
                say(f"dropped database {name}")
        if tmp is not None:
            tmp.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=500, help="new applications to time")
    ap.add_argument("--warmup", type=int, default=10, help="untimed new applications first")
    ap.add_argument(
        "--existing", type=int, help="pre-populated applications (200,000; SQLite 50,000)"
    )
    ap.add_argument("--topics", choices=("cluster", "truth"), default="cluster")
    backend = ap.add_mutually_exclusive_group()
    backend.add_argument("--sqlite", action="store_true", help="SQLite temp file instead")
    backend.add_argument("--both", action="store_true", help="PostgreSQL, then SQLite")
    ap.add_argument("--profile", action="store_true", help="cProfile the indexing")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = ap.parse_args()
    if args.both:
        backends = ["postgresql", "sqlite"]
    else:
        backends = ["sqlite" if args.sqlite else "postgresql"]
    for b in backends:
        default = 200_000 if b == "postgresql" else 50_000
        run_backend(b, args, args.existing or default)


if __name__ == "__main__":
    main()
