"""What `grader assign`, `grader bundle` and the starter check of `grader validate` tell an instructor.

Each message says which file (and which cell and line), what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

MARKERS_DOC = "docs/authoring.md, Starters from the reference"

# -- solution markers ---------------------------------------------------------------------------

NAMES = {"code_here": ("`### START CODE HERE ###`", "`### END CODE HERE ###`"), "solution": ("`### BEGIN SOLUTION`", "`### END SOLUTION`")}


def marker_error(path: Path | None, cell: int, line: int, problem: str) -> str:
    where = f"{path}: cell {cell}, line {line}" if path else f"cell {cell}, line {line}"
    return f"{where}: {problem} ({MARKERS_DOC})."


def unclosed(kind: str) -> str:
    opening, closing = NAMES[kind]
    return f"{opening} opens a region that no {closing} closes in the same cell. Add {closing} where the solution ends"


def unopened(kind: str) -> str:
    opening, closing = NAMES[kind]
    return f"{closing} closes no region: there is no {opening} before it in this cell. Add the opening marker or remove this line"


def nested(kind: str, inner: str, opened_at: int) -> str:
    opening, closing = NAMES[kind]
    return (
        f"{NAMES[inner][0]} opens a region inside the {opening} region opened on line {opened_at}; regions do not nest. "
        f"Close the first one with {closing} before opening another"
    )


def mismatched(kind: str, closing_kind: str, opened_at: int) -> str:
    return f"{NAMES[closing_kind][1]} closes the {NAMES[kind][0]} region opened on line {opened_at}. Close it with {NAMES[kind][1]}"


def tag_outside(tag: str) -> str:
    return f"the tag `# @{tag}` is outside any `### START CODE HERE ###` region, so it would reach the starter as it is. Move it inside a region, or remove it"


def tag_inside_statement(tag: str, first: int) -> str:
    return f"the tag `# @{tag}` sits inside the statement that starts on line {first}, which is handled as a whole. Put the tag on line {first}"


def tag_needs_assignment(tag: str) -> str:
    return f"`# @{tag}` keeps what stands before the `=` of an assignment, and this line has none. Use `# @REPLACE text` to replace the whole line"


def tag_on_comment(tag: str) -> str:
    return f"`# @{tag}` needs an assignment, and this line is a comment. Use `# @REPLACE text` or `# @OMIT`"


def marker_in_statement(first: int) -> str:
    return f"this marker is inside the statement that starts on line {first}. Put markers between statements"


def untokenizable(error: str) -> str:
    return f"the cell is not Python the grader can read ({error}), so its solution region cannot be turned into placeholders. Fix the code"


def starter_unparsable(error: str) -> str:
    return f"the starter's cell would not be valid Python ({error}). Check the tags of this region: a `# @REPLACE` text must complete its line"


# -- grader assign ------------------------------------------------------------------------------


def notebook_unreadable(path: Path, error: object) -> str:
    return f"{path}: not a notebook the grader can read ({error}). Give the reference solution's .ipynb file."


def no_default_starter(source: Path) -> str:
    return (
        f"{source} is not reference/<name>/solution.ipynb of an assignment beside it, so there is no starter to write by default. "
        "Say where the starter goes: `--out starter.ipynb`."
    )


def same_file(path: Path) -> str:
    return f"{path} is the reference itself; writing the starter there would erase the solution. Give another `--out`."


def assigned(source: Path, out: Path, regions: int) -> str:
    return f"{out}: the starter of {source}, {regions} solution region(s) replaced by placeholders; outputs cleared."


# -- starter against reference (grader validate) ------------------------------------------------

AGREEMENT_LABEL = "starter vs reference"
REGION_SHOWN = "### START CODE HERE ### … ### END CODE HERE ###"
AGREE = "agree outside regions"


def differ_at(where: str) -> str:
    return f"differ: {where}"


def no_starter_at(cell: int, line: int) -> str:
    return f"no starter: cell {cell}, line {line}"


def agreement_fix(command: str) -> str:
    return f"Change the starter, or mark that code as solution in the reference; `{command}` rewrites the starter from it."


def line_differs(cell: int, line: int, shipped: str, made: str) -> str:
    return (
        f"cell {cell}, line {line}: the starter has `{shipped.strip() or '(a blank line)'}` where the reference, "
        f"its regions replaced, has `{made.strip() or '(a blank line)'}`."
    )


def line_missing(cell: int, line: int, which: str, text: str) -> str:
    return f"cell {cell}, line {line}: only the {which} has this line: `{text.strip() or '(a blank line)'}`."


def cell_kind_differs(cell: int, shipped: str, made: str) -> str:
    return f"cell {cell}: a {shipped} cell in the starter, a {made} cell in the reference."


def tags_differ(cell: int, shipped: Sequence[str], made: Sequence[str]) -> str:
    return f"cell {cell}: the starter's tags are {list(shipped)}, the reference's {list(made)}; the tags decide which cells are graded."


def cell_count_differs(shipped: int, made: int) -> str:
    which = "starter" if shipped > made else "reference"
    return f"cell {min(shipped, made) + 1}: the starter has {shipped} cells and the reference {made}; only the {which} has this one and those after it."


def grader_metadata_differs(shipped: object, made: object) -> str:
    return f"the notebooks' metadata.grader differ: {shipped!r} in the starter, {made!r} in the reference."


def agreement_unreadable(problem: str) -> str:
    return f"The starter could not be compared with the reference: {problem}"


# -- grader bundle ------------------------------------------------------------------------------


def bundle_exists(folder: Path) -> str:
    return f"{folder} already exists and is not an empty folder; `grader bundle` never overwrites. Remove it, or give another --out."


def bundle_leaks(path: Path, line: str) -> str:
    return (
        f"{path.name} holds a line of the reference's solution: `{line.strip()}`. A bundle must not give it away: "
        f"remove it from {path.name} or mark it as solution code in the reference."
    )


def bundled(folder: Path, written: Sequence[Path], name: str) -> str:
    files = "\n".join(f"  {path}" for path in written)
    return f"Bundled {name} for students in {folder}:\n{files}\nStudents install the grader, then run `grader check their_notebook.ipynb -a {folder}`."
