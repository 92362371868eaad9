"""Gunicorn settings for `make serve` (gunicorn -c config/gunicorn.conf.py config.wsgi).

Environment: PORT (default 8000) or GUNICORN_BIND (e.g. 0.0.0.0:8000, unix:/run/blog.sock),
WEB_CONCURRENCY (worker processes; default 2 per CPU plus 1), GUNICORN_THREADS (default 1),
FORWARDED_ALLOW_IPS (proxies whose X-Forwarded-* headers are believed; default 127.0.0.1; whether
X-Forwarded-Proto says HTTPS is TRUST_X_FORWARDED_PROTO's alone, see below),
GUNICORN_CONTROL_SOCKET (path of the gunicornc control socket; default none).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Sync workers spend most of a request on the CPU (templates), so a couple per core.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn would take X-Forwarded-Proto (and two other headers) from FORWARDED_ALLOW_IPS as
# proof of HTTPS, whatever TRUST_X_FORWARDED_PROTO says; so it takes none, and Django alone
# believes X-Forwarded-Proto, when that one switch is on (settings.SECURE_PROXY_SSL_HEADER).
secure_scheme_headers = {}
accesslog = "-"
errorlog = "-"
# gunicorn's control socket has one default path per user, so a second server on the machine
# (another port, a test) would take it over: off unless GUNICORN_CONTROL_SOCKET names a path.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
