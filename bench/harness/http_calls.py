"""HTTP calls to the run's gunicorn: one request, or batches posted by concurrent clients."""

from __future__ import annotations

import threading
import time


def http_call(
    base: str, method: str, path: str, body: bytes | None, *, token: str | None
) -> tuple[int, bytes]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def post_batches(port: int, path: str, bodies: list[bytes], token: str, clients: int) -> tuple[float, list]:
    """POST each body once, `clients` at a time on keep-alive connections; wall time."""
    answers: list = [None] * len(bodies)
    latencies: list = [None] * len(bodies)
    queue = list(range(len(bodies)))
    lock = threading.Lock()

    def client():
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        while True:
            with lock:
                if not queue:
                    break
                index = queue.pop(0)
            started = time.perf_counter()
            conn.request(
                "POST",
                path,
                bodies[index],
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            data = response.read()
            latencies[index] = time.perf_counter() - started
            answers[index] = (response.status, data)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(max(1, min(clients, len(bodies))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, list(zip(answers, latencies, strict=True))
