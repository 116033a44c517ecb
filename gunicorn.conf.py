"""gunicorn settings for `make serve`: threaded workers so a few slow clients cannot hold every request slot.

A sync worker serves one connection at a time, so four clients that send half a header (or one byte of a
promised body) occupy four sync workers until they give up. gthread workers hand a connection to a thread
only once its first bytes arrive (gunicorn 27 waits 5 s for them off the pool), and each worker runs
`THREADS` requests at once, so a handful of stalled connections only takes a handful of the
`WORKERS` x `THREADS` slots. A slow-client flood is a job for a buffering proxy (nginx) in front.
Every value can be overridden from the environment (or `GUNICORN_CMD_ARGS`).
With `LOG_FORMAT=json` (the default when `APP_ENV=production`) gunicorn's own error and access logs are
JSON lines too, in the same shape as the app's.
"""

import os

from app.config import default_log_format
from app.log_format import gunicorn_logconfig

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "8"))
# gthread workers report their heartbeat from the main thread: this bounds a hung worker, not a request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Request line, header count and header size bounds: larger requests get gunicorn's own 414 / 431 / 400.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = os.environ.get("ACCESS_LOG", "-")
# gunicorn's default line plus the response's X-Request-ID, which the app also puts in its own log records.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'

if default_log_format(os.environ.get("APP_ENV", "development")) == "json":
    logconfig_dict = gunicorn_logconfig(accesslog, os.environ.get("LOG_LEVEL", "INFO"))
