"""Write every file of the corpus to a folder, to open them as a user would:

    .venv/bin/python -m tests.corpus.build /tmp/corpus

The files are the ones the tests assert (built by the same code, from made-up people): rosters
(tests/corpus/rosters.py), meeting-platform reports (tests/corpus/platforms.py), rosters in the
encodings people's machines write (tests/courses/encoded_files.py) and score sheets
(tests/enrollment/score_files.py). They land in a subfolder per family, with an index (README.txt)
saying what each one is.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from tests.corpus import platforms, rosters
from tests.corpus.people import people


def _rosters() -> list[tuple[str, bytes, str]]:
    files = [(r.name, r.content, r.note) for r in rosters.all_rosters()]
    files += [(r.name, r.content, r.note) for r in rosters.messy_rosters()]
    return files


def _platforms() -> list[tuple[str, bytes, str]]:
    day = datetime.date(2026, 9, 1)
    crowd = people(6, seed=21)
    attendees = [
        platforms.Attendee(p.full_name, p.email, [(platforms.at(day, "07:58"), platforms.at(day, "09:05")),
                                                   (platforms.at(day, "09:10"), platforms.at(day, "10:01"))])
        for p in crowd
    ]  # fmt: skip
    attendees.append(
        platforms.Attendee("Đỗ Quang Huy", "huy@xakhac.example.vn", [(platforms.at(day, "08:10"), platforms.at(day, "09:00"))], guest=True)
    )  # fmt: skip
    host = platforms.Attendee(
        "Phạm Thị Hoa", "hoa.gv@truong.example.vn", [(platforms.at(day, "07:50"), platforms.at(day, "10:05"))], role="Organizer"
    )  # fmt: skip
    meeting = platforms.Meeting(
        "Bồi dưỡng cán bộ xã – buổi 1", platforms.at(day, "08:00"), platforms.at(day, "10:00"), host
    )
    return [
        ("zoom-participants.csv", platforms.zoom_csv(meeting, attendees), "Zoom participants, meeting block, US 12-hour times"),
        ("zoom-participants-24h.csv", platforms.zoom_csv(meeting, attendees, clock24=True), "Zoom, 24-hour month/day times"),
        ("zoom-participants-only.csv", platforms.zoom_csv(meeting, attendees, meeting_block=False), "Zoom without the meeting block"),
        ("zoom-participants.xlsx", platforms.zoom_xlsx(meeting, attendees), "Zoom's CSV saved by Excel"),
        ("Attendance report.csv", platforms.teams_csv(meeting, attendees), "Teams attendance report, UTF-16, tabs, three sections"),
        ("Attendance report en-GB.csv", platforms.teams_csv(meeting, attendees, locale="en-GB"), "Teams, en-GB day/month 24-hour"),
        ("Attendance report.xlsx", platforms.teams_xlsx(meeting, attendees), "Teams report saved by Excel"),
        ("meetingAttendanceList.csv", platforms.teams_old_csv(meeting, attendees), "Teams' older Joined/Left list"),
        ("meet-attendance.csv", platforms.meet_csv(attendees), "Google Meet: first and last name, Duration, times without a date"),
        ("meet-attendance.xlsx", platforms.meet_xlsx(attendees), "Google Meet's Sheet downloaded as XLSX"),
        ("mau-bao-cao.csv", platforms.template_csv(attendees), "the project's own template"),
    ]  # fmt: skip


def _encodings() -> list[tuple[str, bytes, str]]:
    from tests.courses import encoded_files as enc

    text = enc.roster_lines()
    return [
        ("utf8-bom.csv", ("\ufeff" + text).encode("utf-8"), "UTF-8 with a BOM, as Excel's CSV UTF-8"),
        ("utf16.csv", ("\ufeff" + text.replace(";", "\t")).encode("utf-16-le"), "UTF-16 LE with a BOM, tabs"),
        ("windows-1258.csv", enc.windows_1258_bytes(text), "Windows-1258, tone marks combining"),
        ("tcvn3.csv", enc.font_bytes(enc.typed_for_tcvn3(text)), "typed for the .VnTime (TCVN3) font"),
        ("vni.csv", enc.font_bytes(enc.typed_for_vni(text)), "typed for the VNI-Times font"),
        ("tcvn3.xlsx", enc.xlsx_of([[enc.typed_for_tcvn3(c) for c in row] for row in (enc.HEADINGS, *enc.PEOPLE)]),
         "an XLSX whose cells hold .VnTime text"),
    ]  # fmt: skip


def _scores() -> list[tuple[str, bytes, str]]:
    from tests.enrollment import score_files

    rows = [
        score_files.line(n, p.full_name, int(p.national_id), 5 + n % 5)
        for n, p in enumerate(people(5, seed=31), start=1)
    ]
    rows[1][3] = "8,5"  # a comma decimal, as typed in a Vietnamese locale
    return [
        ("bang-diem.xlsx", score_files.xlsx_bytes(rows), "score sheet under an official title block, signed below"),
        ("bang-diem.csv", score_files.csv_bytes(rows), "the same saved as CSV by Excel"),
    ]  # fmt: skip


def _allocations() -> list[tuple[str, bytes, str]]:
    from tests.corpus import allocations

    return [
        ("phan-bo-chi-tieu.xlsx", allocations.period_xlsx(), "the ministry's allocation sheet: title block, merged headings, total row"),
        ("phan-bo-chi-tieu-theo-nam.xlsx", allocations.yearly_xlsx(range(2021, 2026)), "the same with a column group per year"),
        ("phan-bo-chi-tieu.csv", allocations.period_csv(), "saved by Excel as CSV UTF-8 (BOM, ';')"),
    ]  # fmt: skip


FAMILIES = {
    "rosters": _rosters,
    "platforms": _platforms,
    "encodings": _encodings,
    "scores": _scores,
    "allocations": _allocations,
}


def build(folder: Path) -> list[Path]:
    written = []
    index = []
    for family, make in FAMILIES.items():
        target = folder / family
        target.mkdir(parents=True, exist_ok=True)
        for number, (name, content, note) in enumerate(make(), start=1):
            path = target / f"{number:02d}-{name}"
            path.write_bytes(content)
            written.append(path)
            index.append(f"{family}/{path.name}: {note}")
    (folder / "README.txt").write_text("\n".join(index) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    import os

    import django

    # The encodings family uses the project's converters, which need settings (no database).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    for path in build(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")):
        print(path)
