"""Files the grader writes never go through a link planted in its output folder."""

from __future__ import annotations

import os
import stat

import pytest

from grader import files


def test_a_link_planted_at_a_file_name_is_replaced_not_written_through(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").symlink_to(target)
    written = files.write_text(out / "report.json", "{}")
    assert target.read_text() == "precious"
    assert not written.is_symlink() and written.read_text() == "{}"
    assert stat.S_IMODE(os.lstat(written).st_mode) == 0o644
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]  # no temporary file left


def test_a_folder_that_is_a_link_is_refused_with_a_message(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").symlink_to(elsewhere)
    with pytest.raises(files.UnsafeFolder, match="symbolic link"):
        files.write_text(tmp_path / "out" / "report.json", "{}")
    assert list(elsewhere.iterdir()) == []


def test_a_sub_folder_link_is_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with files.Folder.open(tmp_path / "out") as out:
        os.symlink(elsewhere, tmp_path / "out" / "reports")
        with pytest.raises(files.UnsafeFolder, match="symbolic link"):
            out.sub("reports")
        with out.sub("mine") as mine:
            mine.write_text("a.txt", "x")
    assert (tmp_path / "out" / "mine" / "a.txt").read_text() == "x"
    assert stat.S_IMODE(os.lstat(tmp_path / "out" / "mine").st_mode) == 0o755
    assert list(elsewhere.iterdir()) == []


def test_refuse_link_names_the_file(tmp_path):
    (tmp_path / "gradebook.sqlite").symlink_to(tmp_path / "x")
    with pytest.raises(files.UnsafeFolder, match="gradebook.sqlite"):
        files.refuse_link(tmp_path / "gradebook.sqlite")
    files.refuse_link(tmp_path / "missing.sqlite")
