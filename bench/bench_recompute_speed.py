"""Recompute-speed benchmark for the pure deadline domain (no database, no app).

Builds synthetic cases — random receipt dates in 2025–2026, some with a correction restart,
third-party/fee pauses and an extension — then times ``compute_clock`` over all of them, as the
``recompute-deadlines`` job does after a calendar change. Target: >= 20,000 cases/s.

Usage: python bench/bench_recompute_speed.py [cases] [seed]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from requests_service.domain.calendar import (
    WorkingCalendar,
    load_bundled_arrangements,
)
from requests_service.domain.deadlines import (
    ClockEvent,
    ClockEventType,
    compute_clock,
)

T = ClockEventType
PAUSES = (
    (T.THIRD_PARTY_CONSULT_SENT, T.THIRD_PARTY_REPLY_RECEIVED),
    (T.FEE_NOTICE_SENT, T.FEE_PAID),
    (T.FEE_NOTICE_SENT, T.FEE_WAIVED),
)


def synthetic_case(rng: random.Random) -> tuple[date, list[ClockEvent]]:
    receipt = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 700))
    events: list[ClockEvent] = []
    cursor = receipt
    if rng.random() < 0.2:
        cursor += timedelta(days=rng.randint(1, 8))
        events.append(ClockEvent(T.CORRECTION_REQUESTED, cursor))
        cursor += timedelta(days=rng.randint(1, 20))
        events.append(ClockEvent(T.CORRECTION_RECEIVED, cursor))
    if rng.random() < 0.3:
        cursor += timedelta(days=rng.randint(0, 10))
        events.append(
            ClockEvent(T.EXTENSION_APPROVED, cursor, extra_working_days=rng.randint(1, 20))
        )
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        opener, closer = rng.choice(PAUSES)
        cursor += timedelta(days=rng.randint(0, 10))
        events.append(ClockEvent(opener, cursor))
        if rng.random() < 0.9:
            cursor += timedelta(days=rng.randint(0, 25))
            events.append(ClockEvent(closer, cursor))
        else:
            break  # leave the last pause open
    if rng.random() < 0.4 and (not events or events[-1].type not in {T.FEE_NOTICE_SENT}):
        cursor += timedelta(days=rng.randint(0, 30))
        events.append(ClockEvent(T.REPLY_DELIVERED, cursor))
    return receipt, events


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20261125
    rng = random.Random(seed)
    calendar = WorkingCalendar(load_bundled_arrangements())
    cases = [synthetic_case(rng) for _ in range(n)]
    today = date(2026, 11, 25)
    # Warm the calendar tables (and any lazy growth) outside the timed loop.
    for receipt, events in cases[:1000]:
        compute_clock(calendar, receipt, events, today=today)

    t0 = time.perf_counter()
    for receipt, events in cases:
        compute_clock(calendar, receipt, events, today=today)
    elapsed = time.perf_counter() - t0

    n_events = sum(len(e) for _, e in cases)
    print(f"cases: {n:,}  events: {n_events:,}  ({n_events / n:.2f}/case)")
    print(f"elapsed: {elapsed:.2f} s  ->  {n / elapsed:,.0f} cases/s")


if __name__ == "__main__":
    main()
