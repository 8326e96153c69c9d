"""A meeting platform the system doesn't know (a Vietnamese one, headings of its own): the trainer
maps its columns once in the dry run, saves the mapping for the province, and the next upload reuses
it by id."""

import json

import pytest

from tests.corpus.platforms import _csv
from tests.enrollment.files.test_platform_files import (
    class_meeting,
    client,
    expected,
    learners,
    ok,
    upload,
)

__all__ = ["client"]  # the fixture, used by name

pytestmark = pytest.mark.django_db

MAPPING = {
    "Tên hiển thị": "name",
    "Địa chỉ thư": "email",
    "Thời điểm tham gia": "joined_at",
    "Thời điểm rời phòng": "left_at",
}


def vietnamese_platform_csv(world) -> bytes:
    """Its own headings, a title line, times as dd/mm/yyyy HH:MM:SS."""
    meeting, people = class_meeting(world)
    rows = [["BÁO CÁO THAM DỰ PHÒNG HỌP"], [], ["STT", *MAPPING, "Thiết bị"]]
    number = 0
    for person in [meeting.host, *people]:
        for joined, left in person.joins:
            number += 1
            rows.append(
                [
                    number,
                    person.name,
                    person.email,
                    joined.strftime("%d/%m/%Y %H:%M:%S"),
                    left.strftime("%d/%m/%Y %H:%M:%S"),
                    "Điện thoại",
                ]
            )
    return _csv(rows).encode("utf-8")


def test_an_unknown_layout_is_refused_naming_its_headings_then_read_with_a_mapping(attendance_world, client):
    content = vietnamese_platform_csv(attendance_world)
    session = attendance_world.session

    refused = upload(client, session, content, "phong-hop.csv", dry_run="true")
    dry = upload(client, session, content, "phong-hop.csv", dry_run="true", mapping=json.dumps(MAPPING))

    assert refused.status_code == 400
    assert "mapping" in refused.json()["message"]
    body = ok(dry)
    assert learners(body) == expected(attendance_world)
    assert body["file"]["ignored_columns"] == ["STT", "Thiết bị"]


def test_a_saved_mapping_is_reused_by_its_id(attendance_world, client, province):
    # A trainer of the province's own school saves mappings for the province.
    attendance_world.trainer.province = province
    attendance_world.trainer.save(update_fields=["province"])
    saved = client.post(
        "/api/v1/column-mappings",
        {"name": "Phòng họp trực tuyến của tỉnh", "kind": "platform_report", "mapping": MAPPING},
        format="json",
    )
    assert saved.status_code == 201, saved.content

    response = upload(
        client,
        attendance_world.session,
        vietnamese_platform_csv(attendance_world),
        "phong-hop.csv",
        mapping_id=saved.json()["id"],
    )

    assert learners(ok(response)) == expected(attendance_world)


def test_a_mapping_to_a_field_the_report_does_not_have_is_a_400_naming_the_mapping(attendance_world, client):
    response = upload(
        client,
        attendance_world.session,
        vietnamese_platform_csv(attendance_world),
        "phong-hop.csv",
        mapping='{"Tên hiển thị": "score"}',
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("mapping")
