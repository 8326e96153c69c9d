"""The certificate's PDF (reporting/files/certificate_pdf.py) as its holder receives it: what it
prints, read back with pypdf, for a class an institution or a province organised, at the longest
texts the models allow; its QR code decoded with zxing-cpp."""

from __future__ import annotations

import unicodedata

import pytest

from reporting.files.certificate_pdf import certificate_pdf, province_committee
from reporting.models import Certificate
from tests.factories import LearnerFactory, TrainingInstitutionFactory
from tests.reporting.conftest import attend_all, enrol, make_class, recompute
from tests.reporting.pdf_helpers import read_pdf

pytestmark = pytest.mark.django_db

URL = "https://boiduong.example.vn/verify/0123456789abcdef0123456789abcdef/"


def certified(training_class, **learner_fields) -> Certificate:
    enrollment = enrol(training_class, learner=LearnerFactory(**learner_fields))
    attend_all(enrollment, 60)
    recompute(training_class)
    return Certificate.objects.get(enrollment=enrollment)


def test_an_institutions_class_is_issued_by_the_institution(programme):
    institution = TrainingInstitutionFactory(
        name="Trường Chính trị tỉnh Thái Nguyên", governing_body="Tỉnh ủy Thái Nguyên"
    )
    # Typed decomposed (as some keyboards send it), stored composed: printed composed.
    certificate = certified(
        make_class(programme=programme, institution=institution),
        full_name=unicodedata.normalize("NFD", "Đặng Thị Ngọc Ánh"),
    )
    _, text, decoded = read_pdf(certificate_pdf(certificate, verify_url=URL))
    assert "TRƯỜNG CHÍNH TRỊ TỈNH THÁI NGUYÊN" in text
    assert "TỈNH ỦY THÁI NGUYÊN" in text
    assert "Đặng Thị Ngọc Ánh" in text and unicodedata.is_normalized("NFC", text)
    assert decoded == [URL]


@pytest.mark.parametrize(
    ("name", "committee"),
    [
        ("Thành phố Hà Nội", "Ủy ban nhân dân thành phố Hà Nội"),
        ("Tỉnh Hà Giang", "Ủy ban nhân dân tỉnh Hà Giang"),
        ("Cao Bằng", "Ủy ban nhân dân tỉnh Cao Bằng"),
    ],
)
def test_a_provinces_class_is_issued_by_its_peoples_committee(name, committee):
    assert province_committee(name) == committee


def test_the_longest_texts_fit_one_page(programme):
    """Names and titles at their models' longest: cut with …, one page, the QR code still readable."""
    training_class = make_class(programme=programme, title="Lớp bồi dưỡng " * 21)
    training_class.curriculum.title_vi = "Chương trình bồi dưỡng " * 13
    training_class.curriculum.save()
    certificate = certified(training_class, full_name=("Nguyễn Thị Hồng Nhung " * 10)[:200])
    content = certificate_pdf(certificate, verify_url=URL)
    reader, text, decoded = read_pdf(content)
    assert len(reader.pages) == 1
    assert text.count("…") >= 3  # name, curriculum and class, each cut
    assert certificate.number in text
    assert decoded == [URL]
    assert len(content) < 200_000  # two font subsets and one small image
