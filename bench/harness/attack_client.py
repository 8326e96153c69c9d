"""How bench/attacks.py speaks to the server: an HTTP client that keeps what it got (status,
headers, body, time), a body declared larger than it is sent, signing in; and the outcome of an
attack (what it saw, whether the defence held)."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from bench.harness.basics import BenchError

# The password of the demo accounts the attacks sign in as, set by the set-up.
PASSWORD = "Attacks-" + secrets.token_urlsafe(12)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def is_error_shape(self) -> bool:
        data = self.json()
        return isinstance(data, dict) and {"status", "code", "message", "errors"} <= set(data)


@dataclass
class Client:
    base: str
    token: str | None = None
    requests: int = 0
    host: str | None = None

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None, headers=None) -> Answer:
        data = raw
        all_headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if self.host:
            all_headers["Host"] = self.host
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)  # noqa: S310
        self.requests += 1
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=90) as response:  # noqa: S310 - loopback only
                return Answer(
                    response.status, dict(response.headers), response.read(), time.monotonic() - started
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read(), time.monotonic() - started)

    def upload(self, path: str, name: str, content: bytes, fields: dict | None = None) -> Answer:
        boundary = "attacks" + secrets.token_hex(8)
        parts = []
        for key, value in (fields or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.call(
            "POST",
            path,
            raw=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def oversized_post(base: str, token: str, path: str, length: int) -> Answer:
    """A body declared `length` bytes long, of which the first megabyte is sent: a server that
    refuses it by its declared length answers before the rest, and closes the connection."""
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=90)
    started = time.monotonic()
    connection.putrequest("POST", path)
    for name, value in (
        ("Content-Type", "application/json"),
        ("Content-Length", str(length)),
        ("Authorization", f"Bearer {token}"),
        ("Accept", "application/json"),
    ):
        connection.putheader(name, value)
    connection.endheaders()
    with contextlib.suppress(OSError):  # refused already
        connection.send(b"[" + b"0," * 500_000)
    response = connection.getresponse()
    answer = Answer(response.status, dict(response.headers), response.read(), time.monotonic() - started)
    connection.close()
    return answer


def sign_in(base: str, username: str, password: str = PASSWORD) -> tuple[Client, dict]:
    client = Client(base)
    answer = client.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
    if answer.status != 200:
        raise BenchError(f"sign-in of {username} answered {answer.status}: {answer.body[:300]!r}")
    tokens = answer.json()
    client.token = tokens["access"]
    return client, tokens


@dataclass
class Outcome:
    finding: str
    attack: str
    requests: int = 0
    held: bool = True
    seen: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.seen.append(("ok  " if ok else "FAIL") + " " + what)
        self.held &= ok
