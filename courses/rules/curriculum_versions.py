"""The rule "a curriculum version does not change once a class has used it".

Classes are counted by the hours of the version they ran, and their sessions teach its topics, so
the teaching content of a version in use (topics, their titles and hours, the final assessment)
is frozen. An edit through the API is refused naming each topic it would change
(curriculum_content_errors, checked by courses.services.catalogue.curriculum_upsert for every writer); the
catalogue import makes a new version instead (catalogue_versions_in_use_kept). The other columns
(title, description, positions, materials, status) change in place.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.core.files.importing import ImportReport
from courses.core.text import nfc
from courses.files.catalogue_forms import content_form, draft_stored_form, stored_form
from courses.models import Curriculum, TrainingClass


def classes_using(curriculum: Curriculum) -> str:
    codes = list(
        TrainingClass.objects.filter(Q(curriculum=curriculum) | Q(sessions__topic__curriculum=curriculum))
        .distinct()
        .order_by("code")
        .values_list("code", flat=True)[:4]
    )
    shown = ", ".join(codes[:3])
    return f"{shown}, …" if len(codes) > 3 else shown


def curriculum_content_errors(*, curriculum: Curriculum, data: dict) -> list[ErrorItem]:
    """What writing `data` (the curriculum_upsert() form) would change in the teaching content of a
    version classes use: one error per topic added, removed, renamed or with other hours, named by
    its order and title, and the final assessment. Empty for a version no class uses.

    Classes are counted by the hours of the version they ran, and their sessions teach its topics:
    changing them would rewrite what those classes taught. A new version is made instead.
    """
    if curriculum.pk is None or not Curriculum.objects.filter(pk=curriculum.pk).in_use().exists():
        return []
    errors: list[ErrorItem] = []
    stored = {topic.order: topic for topic in curriculum.topics.all()}
    new_topics = list(data.get("topics", []))
    for index, topic in enumerate(new_topics):
        old = stored.get(topic["order"])
        label = f"{topic['order']}. “{topic['title_vi']}”"
        if old is None:
            errors.append(
                ErrorItem(
                    field=f"topics.{index}",
                    code="curriculum_in_use",
                    message=_("Không thêm được chuyên đề %(topic)s vào phiên bản đã có lớp học.")
                    % {"topic": label},
                )
            )
            continue
        old_label = f"{old.order}. “{old.title_vi}”"
        for name in ("title_vi", "title_en"):
            if nfc(topic.get(name, "") or "") != getattr(old, name):
                errors.append(
                    ErrorItem(
                        field=f"topics.{index}.{name}",
                        code="curriculum_in_use",
                        message=_("Không đổi được tên chuyên đề %(topic)s: phiên bản đã có lớp học.")
                        % {"topic": old_label},
                    )
                )
        if Decimal(str(topic["hours"])) != old.hours:
            errors.append(
                ErrorItem(
                    field=f"topics.{index}.hours",
                    code="curriculum_in_use",
                    message=_(
                        "Không đổi được số tiết của chuyên đề %(topic)s (%(hours)s tiết): phiên bản đã có lớp học."
                    )
                    % {"topic": old_label, "hours": old.hours},
                )
            )
    kept = {topic["order"] for topic in new_topics}
    for order, old in sorted(stored.items()):
        if order not in kept:
            errors.append(
                ErrorItem(
                    field="topics",
                    code="topic_in_use",
                    message=_("Không xoá được chuyên đề %(topic)s: lớp %(classes)s học theo phiên bản này.")
                    % {"topic": f"{old.order}. “{old.title_vi}”", "classes": classes_using(curriculum)},
                )
            )
    if bool(data.get("has_final_assessment", False)) != curriculum.has_final_assessment:
        errors.append(
            ErrorItem(
                field="has_final_assessment",
                code="curriculum_in_use",
                message=_("Không đổi được kiểm tra cuối khoá: phiên bản đã có lớp học."),
            )
        )
    return errors


def curriculum_in_use_error(curriculum: Curriculum, errors: list[ErrorItem]) -> DomainError:
    return DomainError(
        message=_(
            "Bộ chương trình %(curriculum)s đã có lớp học theo (%(classes)s): nội dung giảng dạy của "
            "phiên bản này không thay đổi được; hãy tạo phiên bản mới."
        )
        % {"curriculum": f"{curriculum.code} v{curriculum.version}", "classes": classes_using(curriculum)},
        code="curriculum_in_use",
        errors=errors,
    )


def catalogue_versions_in_use_kept(drafts, stored, report: ImportReport) -> dict[tuple[str, int], int]:
    """Apply the rule "a version classes use keeps its teaching content".

    A draft that changes the content of a version in use is moved to another version of its code:
    a stored one that already has that content and that the file does not name (importing the
    same file again changes nothing), else the next number of the code. Returns the moved drafts'
    new keys with the version the file named, and warns on the draft's first row.
    """
    in_use = set(
        Curriculum.objects.filter(pk__in=[c.pk for c in stored.values()])
        .in_use()
        .values_list("pk", flat=True)
    )
    named = {d.key for d in drafts}
    taken = named | set(stored)
    moved: dict[tuple[str, int], int] = {}
    for draft in sorted(drafts, key=lambda d: d.key):
        current = stored.get(draft.key)
        if current is None or current.pk not in in_use:
            continue
        content = content_form(draft_stored_form(draft))
        if content_form(stored_form(current)) == content:
            continue
        same = [
            version
            for (code, version), curriculum in stored.items()
            if code == draft.code
            and (code, version) not in named
            and content_form(stored_form(curriculum)) == content
        ]
        old_version = draft.version
        if same:
            draft.version = max(same)
        else:
            draft.version = max(version for code, version in taken if code == draft.code) + 1
            taken.add(draft.key)
        moved[draft.key] = old_version
        report.warnings.append(
            ErrorItem(
                field="version",
                row=draft.first_row,
                code="curriculum_in_use",
                message=_(
                    "%(code)s v%(old)d đã có lớp học theo (%(classes)s): nội dung mới được nhập thành "
                    "phiên bản %(new)d; phiên bản %(old)d và các lớp của nó giữ nguyên."
                )
                % {
                    "code": draft.code,
                    "old": old_version,
                    "new": draft.version,
                    "classes": classes_using(current),
                },
            )
        )
    return moved
