"""Finding 2 of issue 10: hostile XLSX files (a declared range of the whole sheet, three million
empty rows, a 300 MB shared string), each posted twice at once while another user reads."""

from __future__ import annotations

import io
import threading
import time
import zipfile

from bench.harness.attack_client import Answer, Client, Outcome, sign_in


def _xlsx(sheet_xml: bytes, shared_strings: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            + (
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                if shared_strings
                else ""
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            + (
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                if shared_strings
                else ""
            )
            + "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared_strings:
            z.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def hostile_files() -> dict[str, bytes]:
    heading = b'<row r="1"><c r="A1" t="inlineStr"><is><t>So dinh danh</t></is></c><c r="B1" t="inlineStr"><is><t>Ho va ten</t></is></c></row>'
    declared = _xlsx(
        SHEET_HEAD + b'<dimension ref="A1:XFD1048576"/><sheetData>' + heading + b"</sheetData></worksheet>"
    )
    empty_rows = _xlsx(
        SHEET_HEAD
        + b"<sheetData>"
        + heading
        + b"".join(b"<row/>" for _ in range(3_000_000))
        + b"</sheetData></worksheet>"
    )
    big = b"A" * (300 * 1024 * 1024)
    shared = _xlsx(
        SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
        + big
        + b"</t></si></sst>",
    )
    del big
    return {"declared A1:XFD1048576": declared, "3M empty rows": empty_rows, "300 MB shared string": shared}


def attack_files(base: str, world: dict) -> Outcome:
    trainer, _ = sign_in(base, "giangvien")
    out = Outcome("2", "hostile XLSX files (each twice at once) while another user reads")
    files = hostile_files()
    results: list[tuple[str, Answer]] = []
    lock = threading.Lock()

    def post(name: str, content: bytes) -> None:
        client = Client(base, trainer.token)
        answer = client.upload(
            f"/api/v1/classes/{world['class_id']}/enrollments/import",
            "hostile.xlsx",
            content,
            {"dry_run": "true"},
        )
        with lock:
            results.append((name, answer))

    threads = [threading.Thread(target=post, args=item) for item in files.items() for _ in range(2)]
    for thread in threads:
        thread.start()
    bystander = Client(base, trainer.token)
    latencies = []
    while any(t.is_alive() for t in threads):
        latencies.append(bystander.call("GET", "/api/v1/me").seconds)
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    for name, answer in sorted(results, key=lambda r: r[0]):
        out.check(
            answer.status in (400, 413) and answer.is_error_shape,
            f"{name} ({len(files[name]):,} bytes): {answer.status} in {answer.seconds:.2f} s",
        )
    worst = max(latencies, default=0)
    out.check(worst < 2.0, f"meanwhile {len(latencies)} reads of /me, slowest {worst:.2f} s")
    out.requests = len(results) + bystander.requests
    return out
