"""Similarity across a class: which pairs of submissions share their graded code, for a person to look at.

For each student's current submission in a batch folder this takes the code the grader ran
(the cells tagged ``graded``, else every code cell; a module whole), keeps only the student's
regions (between ``### START CODE HERE ###`` and ``### END CODE HERE ###`` where the code has
those markers), and fingerprints it with copydetect (tokenised, names and strings normalised,
winnowed k-grams). The starter's fingerprints are removed from every submission, so code that
only repeats the starter matches nothing. Every pair is compared; a pair's score is the larger
of the two shares of matching code. Pairs go into the gradebook (table ``similarity``) and pairs
at or above the threshold into ``similarity.html``, side by side, matching lines highlighted.
There are no verdicts: a high score says where to look, not what happened.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from copydetect import CodeFingerprint, compare_files

from grader.batch.gradebook import FILE, Gradebook
from grader.batch.records import Pair
from grader.errors import GraderError
from grader.files import Folder, refuse_link
from grader.grading.load import GRADED_TAG, MAX_BYTES
from grader.text import course as text

PAGE, THRESHOLD, NOISE, GUARANTEE, SHOWN = "similarity.html", 0.5, 20, 25, 50
START = re.compile(r"#+\s*START CODE HERE", re.IGNORECASE)
END = re.compile(r"#+\s*END CODE HERE", re.IGNORECASE)


@dataclass(frozen=True)
class Code:
    student: str
    file_name: str
    content_hash: str
    text: str  # the student's regions, one after another


@dataclass(frozen=True)
class Side:
    student: str
    file_name: str
    share: float
    lines: tuple[tuple[int, str, bool], ...]  # (number, text, matches the other side)


@dataclass(frozen=True)
class Shown:
    pair: Pair
    left: Side
    right: Side


def graded_cells(path: Path) -> list[str]:
    """The code the grader runs: a module whole; a notebook's cells tagged graded, else every code cell."""
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        return []
    source = raw.decode("utf-8-sig", errors="replace")
    if path.suffix != ".ipynb":
        return [source]
    try:
        cells = [cell for cell in json.loads(source).get("cells", []) if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    except (ValueError, AttributeError):
        return []
    graded = [cell for cell in cells if GRADED_TAG in (cell.get("metadata") or {}).get("tags", [])]
    return ["".join(s) if isinstance(s := cell.get("source", ""), list) else str(s) for cell in graded or cells]


def student_regions(cell: str) -> str:
    """The text between START and END CODE HERE markers, or the whole cell when it has none."""
    lines, inside, kept = cell.splitlines(), False, []
    if not any(START.search(line) for line in lines):
        return cell
    for line in lines:
        if START.search(line):
            inside = True
        elif END.search(line):
            inside = False
        elif inside:
            kept.append(line)
    return "\n".join(kept)


def code_of(path: Path, student: str, content_hash: str) -> Code:
    return Code(student, path.name, content_hash, "\n".join(student_regions(cell) for cell in graded_cells(path)).strip() + "\n")


def fingerprint(code: str, boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    return CodeFingerprint("code.py", NOISE, GUARANTEE - NOISE + 1, boilerplate, language="python", fp=io.StringIO(code))


def starter_hashes(starter: Path | None) -> np.ndarray:
    """Every k-gram fingerprint of the starter's code (window 1), to leave out of every submission."""
    if starter is None or not starter.is_file():
        return np.array([], dtype=np.int64)
    whole, regions = "\n".join(graded_cells(starter)), code_of(starter, "", "").text  # as written, and as a submission's is cut
    hashes = set().union(*(CodeFingerprint("starter.py", NOISE, 1, language="python", fp=io.StringIO(code)).hashes for code in (whole, regions)))
    return np.array(sorted(hashes))


def _lines(code: str, slices: np.ndarray) -> tuple[tuple[int, str, bool], ...]:
    marked = np.zeros(len(code) + 1, dtype=bool)
    for start, end in zip(*slices) if len(slices) and len(slices[0]) else ():
        marked[int(start) : int(end)] = True
    found, offset = [], 0
    for number, line in enumerate(code.split("\n"), start=1):
        found.append((number, line, bool(line.strip()) and bool(marked[offset : offset + len(line)].any())))
        offset += len(line) + 1
    return tuple(found)


def compare(codes: list[Code], boilerplate: np.ndarray) -> tuple[list[Pair], list[Shown]]:
    """Every pair's score, most alike first, and each pair's sides with the matching lines."""
    prints = {code.student: fingerprint(code.text, boilerplate) for code in codes}
    pairs, shown = [], []
    for first, second in itertools.combinations(sorted(codes, key=lambda code: code.student), 2):
        _, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[first.student], prints[second.student])
        pair = Pair(first.student, second.student, round(float(max(share_a, share_b)), 4), round(float(share_a), 4), round(float(share_b), 4))
        pairs.append(pair)
        if pair.score > 0:
            shown.append(
                Shown(
                    pair,
                    Side(first.student, first.file_name, pair.first_share, _lines(first.text, slices_a)),
                    Side(second.student, second.file_name, pair.second_share, _lines(second.text, slices_b)),
                )
            )
    order = lambda item: (-item.score, item.first, item.second)  # noqa: E731
    return sorted(pairs, key=order), sorted(shown, key=lambda s: order(s.pair))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def graded_file(out: Path, student: str, source: Path, file_name: str, content_hash: str) -> Path | None:
    """The file that was graded: the entry itself, a file of that name in its folder, or in its unpacked archive."""
    candidates = [source] if source.is_file() and not source.is_symlink() else []
    for folder in (source, out / "inputs" / "students" / student):
        if folder.is_dir() and not folder.is_symlink():
            candidates += [path for path in sorted(folder.rglob(file_name)) if path.is_file() and not path.is_symlink()]
    return next((path for path in candidates if path.name == file_name and _sha256(path) == content_hash), None)


@dataclass(frozen=True)
class SimilarityResult:
    page: Path
    pairs: tuple[Pair, ...]
    shown: tuple[Shown, ...]
    left_out: tuple[str, ...]  # one line per student not compared, and why


def collect(book: Gradebook, out: Path) -> tuple[list[Code], list[str]]:
    codes, left_out = [], []
    sources = book.sources()
    for row in book.rows():
        if row.status in ("pending", "invalid"):
            continue
        path = graded_file(out, row.student, Path(sources.get(row.student, "")), row.file_name, row.content_hash)
        if path is None:
            left_out.append(text.similarity_unreadable(row.student, text.similarity_missing(row.student)))
            continue
        codes.append(code_of(path, row.student, row.content_hash))
    return codes, left_out


def similarity(out: Path, threshold: float = THRESHOLD, starter: Path | None = None) -> SimilarityResult:
    """Compare every pair of current submissions in the batch folder ``out``; record the pairs, write similarity.html."""
    from grader.course.similarity_page import render

    if not 0 <= threshold <= 1:
        raise GraderError(text.bad_threshold(threshold))
    refuse_link(out / FILE)
    with Gradebook.existing(out) as book:
        codes, left_out = collect(book, out)
        pairs, shown = compare(codes, starter_hashes(starter))
        book.record_similarity(pairs, {code.student: code.content_hash for code in codes})
        assignment = book.meta("assignment") or ""
    above = tuple(item for item in shown if item.pair.score >= threshold)
    with Folder.open(out) as folder:
        page = folder.write_text(PAGE, render(assignment, above[:SHOWN], len(pairs), threshold, left_out))
    return SimilarityResult(page, tuple(pairs), above, tuple(left_out))
