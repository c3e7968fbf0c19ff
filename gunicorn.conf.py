"""gunicorn settings used by scripts/serve (and suitable for production)."""

import gc


def post_worker_init(worker):
    # Move everything loaded at start-up (modules, app, templates) out of the cyclic GC's
    # reach: full collections then no longer walk it, which removed most of the intake tail
    # latency measured in bench/bench_intake_index.py.
    gc.freeze()


# Access log without the query string: officers search cases by applicant name or ID number
# (`/cases?q=…`), and personal data must never reach a log (issue 15).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
