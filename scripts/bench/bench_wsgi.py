"""The portal as the benchmark serves it: the normal app (wsgi.py), with the per-address rate limits raised so
that 8 clients on one address measure the pages, not the limiter (the limiter still runs on every request)."""
import os

os.environ.setdefault("PORTAL_ENV", "development")  # a benchmark tool: the dev key in instance/ is fine
from portal import create_app

app = create_app({
    "TRACK_RATE_LIMIT": "1000000 per minute",
    "LOGIN_RATE_LIMIT": "1000000 per minute",
    "OPEN311_POST_RATE_LIMIT": "1000000 per minute",
    "SUBMIT_RATE_LIMIT": "1000000 per minute",
})
