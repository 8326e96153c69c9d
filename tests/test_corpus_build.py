"""The corpus script writes every family's files, each named in its index."""

from tests.corpus.build import FAMILIES, build


def test_the_corpus_script_writes_every_file_with_its_note(tmp_path):
    written = build(tmp_path)

    index = (tmp_path / "README.txt").read_text(encoding="utf-8").splitlines()
    assert {path.parent.name for path in written} == set(FAMILIES)
    assert len(index) == len(written) >= 25
    assert all(path.stat().st_size > 0 for path in written)
