"""Class folders and archives become one entry per student, whatever they hold."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tarfile
import zipfile

import pytest

from grader.batch import archives, intake, student_ids
from grader.batch.gradebook import Gradebook
from grader.errors import GraderError

from classroom import quick_class
from conftest import SUBMISSIONS
from hostile_entries import FIXTURES, deadline, named_pipe, undecodable, unix_socket


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
    entries = intake.discover(tmp_path / "class", tmp_path / "s")
    assert [e.student for e in entries] == ["Bo_Li_late", "amy.ipynb", "amy.py"]
    assert entries[0].notes == ()
    assert entries[1].notes == (
        "Student id amy.ipynb comes from the entry amy.ipynb. It is not amy because amy.py would get that id too (an id "
        "keeps only letters, digits and ._@+-), so it is the whole file name, extension included, the same on every run. "
        "Check that these entries are different students.",
    )


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
    assert set(entries) == {"ann", "bob", "DS_Store"} | ({"cat"} if suffix == ".tar.gz" else set())  # every entry gets a row
    assert entries["bob"].file.name == "work.ipynb" and entries["DS_Store"].file.name == ".DS_Store"
    if suffix == ".tar.gz":
        assert entries["cat"].file is None and "cat.py is a symbolic link" in entries["cat"].problem


def test_a_missing_or_unreadable_source_is_the_operators_problem(tmp_path):
    with pytest.raises(GraderError, match="no such folder"):
        intake.discover(tmp_path / "nope", tmp_path / "s")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(GraderError, match="cannot be unpacked"):
        intake.discover(tmp_path / "broken.zip", tmp_path / "s")


# -- ids are unique ---------------------------------------------------------------------------


def test_clashing_ids_are_told_apart_the_same_way_on_every_run(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "o'neil.py").write_text("x = 'apostrophe'\n")
    (tmp_path / "class" / "o(neil.py").write_text("x = 'parenthesis'\n")
    first = by_student(intake.discover(tmp_path / "class", tmp_path / "s1"))
    again = by_student(intake.discover(tmp_path / "class", tmp_path / "s2"))
    apostrophe, parenthesis = (f"o_neil-{hashlib.sha256(name.encode()).hexdigest()[:8]}" for name in ("o'neil.py", "o(neil.py"))
    assert set(first) == set(again) == {apostrophe, parenthesis}
    assert first[apostrophe].file.read_text() == "x = 'apostrophe'\n" and first[parenthesis].file.read_text() == "x = 'parenthesis'\n"
    (note,) = first[apostrophe].notes
    assert note.startswith(f"Student id {apostrophe} comes from the entry o'neil.py. It is not o_neil because o(neil.py would get that id too")
    assert "so it is o_neil followed by the first 8 hex digits of the SHA-256 of the entry's name, the same on every run" in note
    assert first[parenthesis].notes[0].startswith(f"Student id {parenthesis} comes from the entry o(neil.py. It is not o_neil because o'neil.py")


def test_ids_are_unique_however_names_clash_and_do_not_depend_on_order():
    names = [
        "a b.py",
        "a_b.py",
        "a?b.py",
        "a b.ipynb",
        "a_b",
        "a_b.py.zip",
        "a_b.py-8e6e2b1b",
        "...",
        "___",
        "x" * 150 + "1.py",
        "x" * 150 + "2.py",
        "Amy.py",
        "amy.py",
    ]
    stems = {name: name if "." not in name.strip(".") else name.split(".")[0] for name in names}
    given = student_ids.assign(stems)
    assert len({found.id for found in given.values()}) == len(names)
    assert given == student_ids.assign(dict(reversed(stems.items())))
    assert (given["Amy.py"].id, given["Amy.py"].step) == ("Amy", 0)
    assert all(found.clashed_with for found in given.values() if found.step)
    assert all(len(found.id) <= student_ids.LONGEST + 65 and "/" not in found.id for found in given.values())


# -- every entry gets a row -------------------------------------------------------------------


def test_hidden_entries_and_pycache_are_students_too(tmp_path):
    folder = tmp_path / "class"
    (folder / "__pycache__").mkdir(parents=True)
    (folder / "__pycache__" / "sub.py").write_text("x = 1\n")
    (folder / ".carol.py").write_text("x = 1\n")
    (folder / ".dan").mkdir()
    (folder / ".dan" / "work.ipynb").write_text("{}")
    (folder / "grades" / "inputs").mkdir(parents=True)  # the batch's own folder: no student
    os.symlink("grades", folder / "kit")  # but a link to it is an entry like any other
    entries = by_student(intake.discover(folder, folder / "grades" / "inputs", folder / "grades"))
    assert "symbolic link" in entries.pop("kit").problem
    assert {student: entry.file.relative_to(folder).as_posix() for student, entry in entries.items()} == {
        "pycache": "__pycache__/sub.py",
        "carol": ".carol.py",
        "dan": ".dan/work.ipynb",
    }


@pytest.mark.parametrize(
    "files, graded",
    [
        ((".ipynb_checkpoints/work-checkpoint.ipynb", "work.ipynb"), "work.ipynb"),
        ((".ipynb_checkpoints/work-checkpoint.ipynb", "helper.py"), "helper.py"),
        ((".work.py", "__pycache__/x.cpython-311.pyc"), ".work.py"),
        ((".ipynb_checkpoints/work-checkpoint.ipynb", "README.md"), ".ipynb_checkpoints/work-checkpoint.ipynb"),
        ((".ipynb_checkpoints/work-checkpoint.ipynb", ".work.ipynb"), ".work.ipynb"),
        ((".a.py", ".b.py"), None),
    ],
)
def test_in_a_folder_hidden_files_count_only_when_nothing_else_is_gradable(tmp_path, files, graded):
    student = tmp_path / "class" / "zoe"
    for name in files:
        (student / name).parent.mkdir(parents=True, exist_ok=True)
        (student / name).write_text("{}")
    (entry,) = intake.discover(tmp_path / "class", tmp_path / "s")
    if graded is None:
        assert entry.file is None and "several files that could be the submission (.a.py, .b.py)" in entry.problem
    else:
        assert entry.file == student / graded
        hidden = graded.startswith(".")
        assert entry.notes == (
            (f"Graded {graded}, a hidden file or a Jupyter checkpoint copy in zoe, because the folder holds no other notebook or module.",) if hidden else ()
        )


def test_a_name_that_is_not_utf8_gets_a_row_the_gradebook_can_store(tmp_path):
    (tmp_path / "class").mkdir()
    undecodable(tmp_path / "class", b"x = 1\n")
    (entry,) = intake.discover(tmp_path / "class", tmp_path / "s")
    assert entry.student == "name" and entry.file_name == "\ufffd\ufffdname.py" and entry.file.read_bytes() == b"x = 1\n"
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        assert list(book.register([entry])) == ["name"]


# -- special files are refused unopened ----------------------------------------------------------


def test_pipes_sockets_and_devices_are_refused_without_being_opened(tmp_path):
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    named_pipe(folder / "submission.py")
    unix_socket(folder / "sock.py")
    named_pipe(folder / "alice" / "work.ipynb")
    (folder / "alice" / "helper.py").write_text("x = 1\n")  # not taken: the notebook is the submission
    try:
        os.mknod(folder / "zero.py", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero: reads without end
    except PermissionError:
        pass
    with deadline():
        entries = by_student(intake.discover(folder, tmp_path / "s"))
    assert all(entry.file is None for entry in entries.values())
    assert entries["submission"].problem.startswith("submission.py is a named pipe (FIFO), not a regular file, so the grader did not open it. Hand in")
    assert entries["sock"].problem.startswith("sock.py is a UNIX socket, not a regular file")
    assert entries["alice"].problem.startswith("alice/work.ipynb is a named pipe (FIFO)")
    if "zero" in entries:
        assert entries["zero"].problem.startswith("zero.py is a character device")


def test_special_members_of_archives_are_refused_at_every_level(tmp_path):
    fifo = tarfile.TarInfo("class/ann/submission.py")
    fifo.type = tarfile.FIFOTYPE
    top = tarfile.TarInfo("class/bea.py")
    top.type = tarfile.CHRTYPE
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as student:
        device = tarfile.TarInfo("cy/work.ipynb")
        device.type = tarfile.BLKTYPE
        student.addfile(device)
    with tarfile.open(tmp_path / "class.tar.gz", "w:gz") as archive:
        for member in (fifo, top):
            archive.addfile(member)
        packed = tarfile.TarInfo("class/cy.tar.gz")
        packed.size = len(inner.getvalue())
        archive.addfile(packed, io.BytesIO(inner.getvalue()))
    entries = by_student(intake.discover(tmp_path / "class.tar.gz", tmp_path / "s"))
    assert set(entries) == {"ann", "bea", "cy"} and all(entry.file is None for entry in entries.values())
    assert entries["ann"].problem.startswith("ann/submission.py is a named pipe (FIFO)")
    assert entries["bea"].problem.startswith("bea.py is a character device")
    assert entries["cy"].problem.startswith("cy/work.ipynb in cy.tar.gz is a block device")
    assert not [path for path in (tmp_path / "s").rglob("*") if not (path.is_file() or path.is_dir()) or path.is_symlink()]


def test_a_file_that_becomes_a_pipe_after_intake_is_refused_when_read(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ann.py").write_text("x = 1\n")
    (entry,) = intake.discover(tmp_path / "class", tmp_path / "s")
    assert intake.read(entry) == (b"x = 1\n", "")
    (tmp_path / "class" / "ann.py").unlink()
    named_pipe(tmp_path / "class" / "ann.py")
    with deadline():
        content, problem = intake.read(entry)
    assert content == b"" and problem.startswith("ann.py is a named pipe (FIFO)")
    (tmp_path / "class" / "ann.py").unlink()
    assert intake.read(entry)[1].startswith("ann.py could not be read when its turn came (No such file or directory)")


# -- one unpack budget per batch ------------------------------------------------------------------


def test_archives_past_the_batch_cap_are_cut_off_with_a_message_each(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    with zipfile.ZipFile(folder / "ada.zip", "w") as archive:  # first in line: unpacked whole
        archive.writestr("ada/work.py", "x = 1\n")
    for bomb in ("zip_bomb_a.zip", "zip_bomb_b.zip"):
        shutil.copy(FIXTURES / bomb, folder / bomb)
    budget = archives.Budget(archives.Cap("class", 3 * 2**20, 1000))
    entries = by_student(intake.discover(folder, tmp_path / "s", budget=budget))
    assert entries["ada"].file.read_text() == "x = 1\n"
    for bomb in ("zip_bomb_a", "zip_bomb_b"):
        assert entries[bomb].file is None
        assert entries[bomb].problem.startswith(f"{bomb}.zip was not unpacked in full: the archives of one batch may unpack 3 MB and 1,000 members in all")
    assert budget.written <= 3 * 2**20
    assert intake.discover(folder, tmp_path / "s", budget=archives.Budget(budget.cap))[1:] == tuple(entries[b] for b in ("zip_bomb_a", "zip_bomb_b"))


def test_a_class_archive_past_the_batch_cap_stops_the_batch(tmp_path):
    with zipfile.ZipFile(tmp_path / "class.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for student in ("ann", "bob", "cy"):
            archive.writestr(f"{student}/work.py", "x = 1\n" * 100_000)
    with pytest.raises(GraderError, match="holds more than a batch unpacks: the archives of one batch may unpack 1 MB"):
        intake.discover(tmp_path / "class.zip", tmp_path / "s", budget=archives.Budget(archives.Cap("class", 2**20, 1000)))
