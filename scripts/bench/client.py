"""A tiny keep-alive HTTP client for the benchmark (http.client, one connection per thread, its own cookies),
and the load loop: N threads hit one scenario for a while; latencies in milliseconds."""
from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Client:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, data

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict, **kw):
        return self.request("POST", path, form=form, **kw)

    def csrf(self, path: str) -> str:
        status, body = self.get(path)
        match = CSRF.search(body.decode())
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1)

    def login(self, username: str, password: str = "demo12345") -> None:
        token = self.csrf("/login")
        status, _ = self.post("/login", {"csrf_token": token, "username": username, "password": password})
        if status != 303:
            raise RuntimeError(f"login as {username} failed: {status}")


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)

    def summary(self, control_rps: float | None = None) -> dict:
        lat = sorted(self.latencies)

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 2) if lat else None

        rps = self.requests / self.seconds if self.seconds else 0.0
        return {"name": self.name, "requests": self.requests, "errors": self.errors, "req_s": round(rps, 1),
                "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
                "ratio_to_control": round(rps / control_rps, 4) if control_rps else None,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())}}


def load(name: str, clients: list[Client], action, seconds: float, ok=(200,), warmup: float = 0.3) -> Result:
    """Every client runs `action(client, i)` -> status in a loop for `seconds` (after a short warm-up)."""
    result = Result(name)
    guard = threading.Lock()
    start_at = time.perf_counter() + warmup
    stop_at = start_at + seconds

    def run(client: Client, index: int):
        action(client, index * 1_000_000 - 1)  # one untimed request: per-process caches, connections
        i = 0
        local, errors, statuses = [], 0, {}
        while True:
            began = time.perf_counter()
            if began >= stop_at and local:
                break
            status = action(client, index * 1_000_000 + i)
            ended = time.perf_counter()
            i += 1
            if began < start_at and ended < stop_at:
                continue
            statuses[status] = statuses.get(status, 0) + 1
            if status not in ok:
                errors += 1
            local.append((ended - began) * 1000)
        with guard:
            result.latencies.extend(local)
            result.requests += len(local)
            result.errors += errors
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=run, args=(client, n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = seconds
    return result
