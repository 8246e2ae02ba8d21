"""Archives unpack within a member cap, an archive cap and one cap shared by the whole batch."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.batch import archives

from conftest import SUBMISSIONS

BOMBS = SUBMISSIONS / "hostile" / "batch"
MB = 2**20


def written(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if path.is_file())


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def tarred(path: Path, members: list[tarfile.TarInfo]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(b"x = 1\n") if member.isreg() else None)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = 6 if kind == tarfile.REGTYPE else 0
    return info


def test_the_zip_bombs_expand_far_past_their_size():
    for bomb in ("zip_bomb_a.zip", "zip_bomb_b.zip"):
        with zipfile.ZipFile(BOMBS / bomb) as archive:
            assert sum(info.file_size for info in archive.infolist()) > 800 * (BOMBS / bomb).stat().st_size


def test_one_budget_bounds_every_archive_of_a_batch(tmp_path):
    budget = archives.Budget(archives.Cap("class", 3 * MB, 1000))
    first = archives.unpack(BOMBS / "zip_bomb_a.zip", tmp_path / "a", budget)
    second = archives.unpack(BOMBS / "zip_bomb_b.zip", tmp_path / "b", budget)
    assert first.cut_off == second.cut_off == budget.cap
    assert written(tmp_path / "a") == 3 * MB and written(tmp_path / "b") == 0
    assert budget.written == 3 * MB
    assert not (tmp_path / "a" / "zip_bomb_a" / "submission.py").exists()  # nothing after the cut


def test_an_archive_within_the_budget_comes_out_whole_and_is_charged(tmp_path):
    budget = archives.Budget(archives.Cap("class", 5 * MB, 1000))
    unpacked = archives.unpack(BOMBS / "zip_bomb_a.zip", tmp_path / "a", budget)
    assert unpacked.cut_off is None and unpacked.left_out == ()
    assert (tmp_path / "a" / "zip_bomb_a" / "submission.py").read_text() == "def train(:\n"
    assert budget.written == 4 * MB + 12 and budget.members == 5


def test_the_batch_member_cap_is_shared_too(tmp_path):
    budget = archives.Budget(archives.Cap("class", 5 * MB, 4))
    assert archives.unpack(zipped(tmp_path / "a.zip", {"a/1.py": b"", "a/2.py": b"", "a/3.py": b""}), tmp_path / "a", budget).cut_off is None
    cut = archives.unpack(zipped(tmp_path / "b.zip", {"b/1.py": b"", "b/2.py": b""}), tmp_path / "b", budget)
    assert cut.cut_off == budget.cap and sorted(p.name for p in (tmp_path / "b").rglob("*.py")) == ["1.py"]


def test_the_archive_caps_still_hold_on_their_own(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 2 * MB)
    unpacked = archives.unpack(BOMBS / "zip_bomb_a.zip", tmp_path / "a", archives.Budget.for_class())
    assert unpacked.cut_off == archives.Cap("archive", 2 * MB, archives.MAX_MEMBERS)
    assert written(tmp_path / "a") == 2 * MB
    monkeypatch.setattr(archives, "MAX_MEMBERS", 2)
    assert archives.unpack(BOMBS / "zip_bomb_b.zip", tmp_path / "b").cut_off.members == 2


def test_a_member_past_the_member_cap_is_left_out_and_the_rest_comes_out(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 10)
    unpacked = archives.unpack(zipped(tmp_path / "a.zip", {"small.py": b"x = 1\n", "big.py": b"x = 1\n" * 10}), tmp_path / "out")
    assert sorted(path.name for path in unpacked.folder.iterdir()) == ["small.py"]
    assert unpacked.left_out == (archives.LeftOut(Path("big.py"), stat.S_IFREG, 60),) and unpacked.cut_off is None


def test_a_member_larger_than_its_header_says_is_stopped_while_written(tmp_path, monkeypatch):
    """The caps count bytes written, not the sizes the archive declares."""
    monkeypatch.setattr(archives, "CHUNK", 4)
    budget = archives.Budget(archives.Cap("class", 8, 100))

    left: list = []
    cut = archives._take(archives._Member("a.py", stat.S_IFREG, 1, lambda: io.BytesIO(b"x" * 100)), tmp_path, (budget,), left)
    assert cut == budget.cap and budget.written == 8 and not (tmp_path / "a.py").exists()


@pytest.mark.parametrize(
    "kind, mode", [(tarfile.FIFOTYPE, stat.S_IFIFO), (tarfile.CHRTYPE, stat.S_IFCHR), (tarfile.BLKTYPE, stat.S_IFBLK), (tarfile.SYMTYPE, stat.S_IFLNK)]
)
def test_special_members_of_a_tar_are_never_created_but_listed(tmp_path, kind, mode):
    archive = tarred(tmp_path / "a.tar.gz", [member("ann/submission.py", kind), member("ann/notes.py")])
    unpacked = archives.unpack(archive, tmp_path / "out")
    assert unpacked.left_out == (archives.LeftOut(Path("ann/submission.py"), mode),)
    assert not os.path.lexists(tmp_path / "out" / "ann" / "submission.py")
    assert (tmp_path / "out" / "ann" / "notes.py").is_file()


@pytest.mark.parametrize("mode", [stat.S_IFIFO, stat.S_IFSOCK, stat.S_IFCHR, stat.S_IFLNK])
def test_special_members_of_a_zip_are_never_created_but_listed(tmp_path, mode):
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        info = zipfile.ZipInfo("ann/submission.py")
        info.external_attr = (mode | 0o644) << 16
        archive.writestr(info, b"/etc/passwd")
    unpacked = archives.unpack(tmp_path / "a.zip", tmp_path / "out")
    assert unpacked.left_out == (archives.LeftOut(Path("ann/submission.py"), mode, 11),)
    assert list((tmp_path / "out").rglob("*")) == [tmp_path / "out" / "ann"]  # the folder is there, empty


def test_a_corrupt_member_is_unreadable_not_a_crash(tmp_path):
    raw = bytearray(zipped(tmp_path / "a.zip", {"a.py": b"print('hello')\n" * 100}).read_bytes())
    raw[45:52] = bytes.fromhex("123456789abcde")  # inside the deflated data: zlib fails, not zipfile
    (tmp_path / "a.zip").write_bytes(raw)
    with pytest.raises(archives.Unreadable, match="while decompressing data"):
        archives.unpack(tmp_path / "a.zip", tmp_path / "out")


def test_names_a_folder_cannot_hold_are_skipped(tmp_path):
    archive = zipped(tmp_path / "a.zip", {"ann/x": b"file", "ann/x/y.py": b"under a file", "ann/" + "n" * 300 + ".py": b"", "ann/ok.py": b""})
    unpacked = archives.unpack(archive, tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out" / "ann").iterdir()) == ["ok.py", "x"] and unpacked.cut_off is None


def test_reclaim_removes_the_folder_and_never_follows_a_link(tmp_path):
    (tmp_path / "inputs" / "students").mkdir(parents=True)
    (tmp_path / "inputs" / "students" / "a.py").write_text("x")
    archives.reclaim(tmp_path / "inputs")
    assert not (tmp_path / "inputs").exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "precious").write_text("keep")
    os.symlink(tmp_path / "kept", tmp_path / "inputs")
    archives.reclaim(tmp_path / "inputs")
    assert not os.path.lexists(tmp_path / "inputs") and (tmp_path / "kept" / "precious").read_text() == "keep"
    archives.reclaim(tmp_path / "inputs")  # nothing there: nothing to do
