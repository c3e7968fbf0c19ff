"""Schedule for ``rq cron requests_service.jobs.cron_config --url $REDIS_URL``.

Every daily job is offered every ten minutes; it runs once per legal day (the job-run table
decides), so a restart or a second cron process never runs it twice. The outbox is drained every
minute, which also retries webhook deliveries and notifications whose backoff has elapsed.
"""

from rq import cron

from requests_service.config import Config
from requests_service.jobs.events import drain_events_task
from requests_service.jobs.schedule import DAILY_JOBS, scheduled_job_task

EVENTS_QUEUE = Config.from_env().EVENTS_QUEUE

for _name in DAILY_JOBS:
    cron.register(
        scheduled_job_task,
        EVENTS_QUEUE,
        args=(_name,),
        interval=600,
        job_timeout=3600,
        name=f"requests-service:{_name}",
    )
cron.register(
    drain_events_task, EVENTS_QUEUE, interval=60, job_timeout=600, name="requests-service:drain"
)
