"""Production serving: `make serve` (or `gunicorn -c gunicorn.conf.py wsgi:app`).

Every setting comes from the environment so one file serves every machine:

| variable | default | meaning |
| --- | --- | --- |
| `PORTAL_BIND` | `127.0.0.1:8000` | address:port (or `unix:/run/portal.sock`) the reverse proxy talks to |
| `PORTAL_WORKERS` | 2 × CPU cores | worker processes (sync workers with threads: the portal is I/O bound on the database) |
| `PORTAL_THREADS` | 2 | threads per worker |
| `PORTAL_TIMEOUT` | 30 | seconds a request may run before its worker is restarted |
| `PORTAL_GRACEFUL_TIMEOUT` | 30 | seconds running requests get on a reload or stop |
| `PORTAL_KEEPALIVE` | 5 | seconds an idle keep-alive connection from the proxy stays open |
| `PORTAL_MAX_REQUESTS` | 5000 | requests after which a worker is replaced (with jitter), against slow leaks |
| `PORTAL_ACCESS_LOG` | `-` (stdout) | access log file; empty to switch it off |
| `PORTAL_ERROR_LOG` | `-` (stderr) | error log file |
| `PORTAL_LOG_LEVEL` | `info` | gunicorn's log level |
| `PORTAL_TRUSTED_PROXY` | `127.0.0.1` | the ONE reverse proxy whose X-Forwarded-For/-Proto gunicorn believes |

gunicorn itself only believes X-Forwarded-Proto from that proxy; the client address (rate limits are per address)
is taken from X-Forwarded-For by the application, again only when the request comes from `PORTAL_TRUSTED_PROXY`
(`portal/serving.py`, setting `TRUSTED_PROXY`, which this file passes on).
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = _int("PORTAL_WORKERS", max(2, multiprocessing.cpu_count() * 2))
threads = _int("PORTAL_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("PORTAL_TIMEOUT", 30)
graceful_timeout = _int("PORTAL_GRACEFUL_TIMEOUT", 30)
keepalive = _int("PORTAL_KEEPALIVE", 5)
max_requests = _int("PORTAL_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10
# Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are believed from this one proxy only.
forwarded_allow_ips = os.environ.get("PORTAL_TRUSTED_PROXY", "127.0.0.1")
os.environ.setdefault("TRUSTED_PROXY", forwarded_allow_ips)  # the app's ProxyFix trusts the same single hop
proxy_allow_ips = forwarded_allow_ips
# Guard against oversized request lines and headers (bodies are limited by MAX_CONTENT_LENGTH in the app).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-") or None
errorlog = os.environ.get("PORTAL_ERROR_LOG", "-")
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info")
# client (as forwarded by the trusted proxy), time, request line, status, bytes, duration in ms, referrer, agent.
# No query strings with secrets go here: tracking pages take the query code by POST.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
proc_name = "fuyang12345"


def _hide_server_version():
    """gunicorn sends `Server: gunicorn` (its version since 20.x is not sent, but be sure: no version leak)."""
    try:
        import gunicorn

        gunicorn.SERVER = "portal"
        gunicorn.SERVER_SOFTWARE = "portal"
        from gunicorn.http import wsgi as gunicorn_wsgi

        gunicorn_wsgi.SERVER = "portal"
        gunicorn_wsgi.SERVER_SOFTWARE = "portal"
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


_hide_server_version()
