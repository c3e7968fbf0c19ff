"""gunicorn settings used by scripts/serve (and suitable for production)."""

import gc


def post_worker_init(worker):
    # Move everything loaded at start-up (modules, app, templates) out of the cyclic GC's
    # reach: full collections then no longer walk it, which removed most of the intake tail
    # latency measured in bench/bench_intake_index.py.
    gc.freeze()
