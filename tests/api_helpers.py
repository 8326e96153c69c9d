"""Shared by the API tests: assertions on the API's answers (their common error shape, a page's
results, a role refused), and the uploads several modules post."""

from django.core.files.uploadedfile import SimpleUploadedFile

# The error code of a request refused for who sends it.
REFUSAL_CODES = {401: "not_authenticated", 403: "permission_denied"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def error_fields(response, status: int = 400) -> set[str | None]:
    """The fields named by an error response (None for a whole-request error)."""
    return {
        item.get("field")
        for item in assert_error(response, status, "invalid" if status == 400 else None)["errors"]
    }


def results(response) -> list:
    """The results of a page answered 200."""
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_answered(response, expected: int) -> None:
    """`expected` is the status: a success, or a refusal (401, 403) with its error code."""
    if expected in REFUSAL_CODES:
        assert_error(response, expected, REFUSAL_CODES[expected])
    else:
        assert response.status_code == expected, response.content


def assert_writes_refused(client, url: str, payload: dict, change: dict, status: int) -> None:
    """Every write of the collection at `url` refused with `status`: creating `payload`, and
    changing (`change`), replacing and deleting its first item."""
    assert_error(client.post(url, payload, format="json"), status, REFUSAL_CODES[status])
    some_id = client.get(url).json()["results"][0]["id"]
    assert_error(client.patch(f"{url}/{some_id}", change, format="json"), status)
    assert_error(client.put(f"{url}/{some_id}", payload, format="json"), status)
    assert_error(client.delete(f"{url}/{some_id}"), status)


def upload_platform_report(client, session, content: bytes, name: str, content_type="text/plain", **data):
    """POST a meeting platform's attendance report for `session`."""
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(
        f"/api/v1/sessions/{session.pk}/attendance/platform-report",
        {"file": file, **data},
        format="multipart",
    )
