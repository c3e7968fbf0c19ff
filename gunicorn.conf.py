"""gunicorn settings used by scripts/serve and bench/bench_http.py (and meant for production).

Measured with bench/bench_http.py on 2 shared cores (issue 16; README, "Benchmarks"):

- **Sync workers, about two per core** (``--workers``, or ``WEB_CONCURRENCY``; scripts/serve
  passes ``WORKERS``, default 2). A request is mostly Python work (schemas, ORM, similarity)
  with a few database round trips; a second worker per core uses the CPU while the first waits
  on PostgreSQL, more only queue for the CPU (sustained submissions: 2 workers 33/s, 4 workers
  36/s on 2 busy cores). One request at a time per worker keeps the pool sizing simple:
  workers × (``DB_POOL_SIZE`` + ``DB_MAX_OVERFLOW``) connections per host.
- **No keep-alive tuning**: sync workers close each connection; behind a reverse proxy that is
  its loopback hop. gthread workers with keep-alive (one thread, measured once) moved the
  ratios to the bare app by no more than the run-to-run noise.
- **No preload_app**: the app would be built before the fork, and the rate limiter's in-memory
  fallback (its expiry thread) and the Redis and database pools must belong to each worker.
"""

import gc
import os


def post_worker_init(worker):
    # Move everything loaded at start-up (modules, app, templates) out of the cyclic GC's
    # reach: full collections then no longer walk it, which removed most of the intake tail
    # latency measured in bench/bench_intake_index.py.
    gc.freeze()


# The heartbeat each worker touches between requests lives in memory, not on a disk that may
# stall under load (gunicorn would then kill a healthy worker as silent).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Access log without the query string: officers search cases by applicant name or ID number
# (`/cases?q=…`), and personal data must never reach a log (issue 15).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
