"""Class folders and archives become one entry per student, whatever they hold."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile

import pytest

from classroom import quick_class
from conftest import SUBMISSIONS
from grader.batch import archives
from grader.batch import intake
from grader.errors import GraderError


def by_student(entries):
    return {entry.student: entry for entry in entries}


def test_every_file_and_folder_becomes_one_entry_named_after_it(tmp_path):
    expected = quick_class(tmp_path / "class", hostile=True)
    entries = by_student(intake.discover(tmp_path / "class", tmp_path / "scratch"))
    assert set(entries) == set(expected)
    assert entries["ada"].file == tmp_path / "class" / "ada.ipynb"
    raw = (SUBMISSIONS / "syntax_error.ipynb").read_bytes()
    assert entries["ada"].content_hash == hashlib.sha256(raw).hexdigest()
    assert entries["ned"].file.name == "solution.ipynb" and entries["ned"].problem == ""


def test_entries_with_nothing_gradable_carry_the_reason(tmp_path):
    quick_class(tmp_path / "class", hostile=True)
    entries = by_student(intake.discover(tmp_path / "class", tmp_path / "scratch"))
    assert entries["kit"].file is None and "symbolic link" in entries["kit"].problem
    assert entries["lou"].file is None and "a.ipynb, b.ipynb" in entries["lou"].problem
    assert entries["max"].file is None and "README.txt" in entries["max"].problem
    assert entries["oli"].file is None and "20,000,003 bytes" in entries["oli"].problem


def test_a_zip_slip_member_stays_inside_its_folder(tmp_path):
    quick_class(tmp_path / "class", hostile=True)
    intake.discover(tmp_path / "class", tmp_path / "out" / "inputs")
    assert not list(tmp_path.rglob("escaped.py"))


def test_colliding_names_keep_their_whole_name(tmp_path):
    (tmp_path / "class").mkdir()
    for name in ("amy.ipynb", "amy.py", "Bo Li (late).py"):
        (tmp_path / "class" / name).write_text("x = 1\n")
    assert [e.student for e in intake.discover(tmp_path / "class", tmp_path / "s")] == ["Bo_Li_late", "amy.ipynb", "amy.py"]


def test_the_batch_folder_inside_the_class_folder_is_no_student(tmp_path):
    quick_class(tmp_path)
    (tmp_path / "grades" / "reports").mkdir(parents=True)
    students = [entry.student for entry in intake.discover(tmp_path, tmp_path / "grades" / "inputs", tmp_path / "grades")]
    assert students == ["ada", "ben", "cho", "dee", "eve", "fay", "gus"]


def test_a_folder_prefers_its_notebook_and_skips_checkpoints(tmp_path):
    student = tmp_path / "class" / "zoe"
    (student / ".ipynb_checkpoints").mkdir(parents=True)
    (student / ".ipynb_checkpoints" / "work-checkpoint.ipynb").write_text("{}")
    (student / "helper.py").write_text("x = 1\n")
    (student / "work.ipynb").write_text("{}")
    (entry,) = intake.discover(tmp_path / "class", tmp_path / "s")
    assert entry.file == student / "work.ipynb"


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz"])
def test_a_class_archive_is_unpacked_and_its_top_folder_entered(tmp_path, suffix):
    archive = tmp_path / f"class{suffix}"
    files = {"class/ann.py": b"x = 1\n", "class/bob/work.ipynb": b"{}", "class/.DS_Store": b"", "__MACOSX/class/._ann.py": b""}
    if suffix == ".zip":
        with zipfile.ZipFile(archive, "w") as zipped:
            for name, data in files.items():
                zipped.writestr(name, data)
    else:
        with tarfile.open(archive, "w:gz") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            link = tarfile.TarInfo("class/cat.py")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(link)
    entries = by_student(intake.discover(archive, tmp_path / "scratch"))
    assert set(entries) == {"ann", "bob"}
    assert entries["bob"].file.name == "work.ipynb"


def test_a_missing_or_unreadable_source_is_the_operators_problem(tmp_path):
    with pytest.raises(GraderError, match="no such folder"):
        intake.discover(tmp_path / "nope", tmp_path / "s")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(GraderError, match="cannot be unpacked"):
        intake.discover(tmp_path / "broken.zip", tmp_path / "s")


def test_archive_members_past_the_caps_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 10)
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zipped:
        zipped.writestr("small.py", "x = 1\n")
        zipped.writestr("big.py", "x = 1\n" * 10)
    folder = archives.unpack(tmp_path / "a.zip", tmp_path / "out")
    assert sorted(path.name for path in folder.iterdir()) == ["small.py"]
