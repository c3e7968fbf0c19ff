"""Schedule for ``rq cron requests_service.jobs.cron_config --url $REDIS_URL``.

The daily jobs are offered every ten minutes (in order, as one RQ job); each runs once per legal
day (the job-run table decides), so a restart or a second cron process never runs one twice.
The outbox is drained every minute, which also retries webhook deliveries and notifications
whose backoff has elapsed. With ``TOPIC_PLACEMENT=queue`` pending topic placements are offered
every minute on the placement queue (kicks place them within seconds; this catches lost ones).
"""

from rq import cron

from requests_service.config import Config
from requests_service.jobs import placement
from requests_service.jobs.events import queue_name_for
from requests_service.worker import daily_jobs_task, drain_events_task, place_topics_task

CONFIG = Config.from_env().as_flask_config()
EVENTS_QUEUE = queue_name_for(CONFIG)

cron.register(
    daily_jobs_task,
    EVENTS_QUEUE,
    interval=600,
    job_timeout=3600,
    name="requests-service:daily-jobs",
)
cron.register(
    drain_events_task, EVENTS_QUEUE, interval=60, job_timeout=600, name="requests-service:drain"
)
if CONFIG["TOPIC_PLACEMENT"] == "queue":
    cron.register(
        place_topics_task,
        placement.queue_name_for(CONFIG),
        interval=60,
        job_timeout=600,
        name="requests-service:place-topics",
    )
