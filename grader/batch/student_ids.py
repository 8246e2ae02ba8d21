"""Student ids: each entry's name made safe for a folder name, and unique in its class.

An entry's plain id is its name without the extension, with every run of
characters other than letters, digits and ``._@+-`` turned into ``_``. Names
can clash that way (``o'neil.py`` and ``o(neil.py`` are both ``o_neil``), so
the entries of a clash step, together, to the next form until no two ids are
equal:

    0  the plain id                          o_neil
    1  the whole name, extension included    o_neil.py
    2  the plain id and 8 hex digits of the name's SHA-256       o_neil-5e1c0b7a
    3  the plain id and the whole SHA-256 (distinct names never clash here)

Every step depends only on the names, so the same class folder gives the same
ids on every run and a resumed batch finds its rows again.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from dataclasses import dataclass

UNSAFE = re.compile(r"[^\w.@+-]+")
LONGEST = 100
LAST_STEP = 3


@dataclass(frozen=True)
class StudentId:
    id: str
    plain: str  # the entry's plain id (step 0)
    step: int  # which form above it took: 0 when the plain id was free
    clashed: str = ""  # the id it could not have
    clashed_with: tuple[str, ...] = ()  # the other entries that wanted that id


def plain(name: str) -> str:
    cleaned = UNSAFE.sub("_", name).strip("._") or "student"
    return cleaned[:LONGEST]


def _digest(name: str) -> str:
    return hashlib.sha256(os.fsencode(name)).hexdigest()


def _form(name: str, short: str, step: int) -> str:
    if step == 0:
        return plain(short)
    if step == 1:
        return plain(name)
    return f"{plain(short)}-{_digest(name)[: 8 if step == 2 else None]}"


def assign(names: dict[str, str]) -> dict[str, StudentId]:
    """Each entry name's id; ``names`` maps an entry's whole name to the name its id comes from (the stem)."""
    steps = dict.fromkeys(names, 0)
    first_clash: dict[str, tuple[str, tuple[str, ...]]] = {}
    while True:
        holders = defaultdict(list)
        for name in sorted(names):
            holders[_form(name, names[name], steps[name])].append(name)
        clashing = [(wanted, group) for wanted, group in holders.items() if len(group) > 1]
        movable = [(wanted, name, group) for wanted, group in clashing for name in group if steps[name] < LAST_STEP]
        if not movable:
            break
        for wanted, name, group in movable:
            first_clash.setdefault(name, (wanted, tuple(other for other in group if other != name)))
            steps[name] += 1
    return {name: StudentId(_form(name, names[name], steps[name]), plain(names[name]), steps[name], *first_clash.get(name, ("", ()))) for name in names}
