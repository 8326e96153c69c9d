"""Assertions on the API's common error shape, shared by the API tests."""

# Roles that read the national reference data and catalogue but may not write them.
READ_ONLY_ROLES = ["learner", "trainer", "province_admin"]


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
