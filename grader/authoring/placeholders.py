"""The course's placeholders: what the code of a ``### START CODE HERE ###`` region becomes.

The region is read statement by statement with Python's tokenizer, so strings, comments and
brackets are understood. Each statement becomes, in this order of rules:

- what the tag on its first line says (``markers.py``), for the whole statement;
- ``if None:`` (or ``elif``, ``while``) for a condition: the condition is the exercise;
- itself, for other block headers (``def``, ``class``, ``for``, ``with``, ``try``, ``else``, …);
- for a statement that opens a bracket at the end of its first line and closes it at the start
  of its last line (``Sequential([`` … ``])``, ``compile(`` … ``)``): those two lines, and one
  ``None,`` for each item between them, or ``name=None,`` for a keyword argument. An item may
  carry a tag of its own;
- ``target = None`` for an assignment;
- itself, for any other statement (a call such as ``print(...)``, ``return``, ``pass``): tag it
  when it gives the answer away.

Blank lines and comments stay, unless tagged. A replaced line keeps its trailing comment.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field

from grader.authoring.markers import MarkerError, Region, Tag, tag_of
from grader.text import authoring as text

OPENING, CLOSING = "([{", ")]}"
CONDITIONS = frozenset({"if", "elif", "while"})
HEADERS = frozenset({"def", "class", "async", "for", "with", "try", "except", "else", "finally", "match", "case", "@"})
ASSIGNMENTS = frozenset({"=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<="})
LAYOUT_TOKENS = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})


@dataclass(frozen=True)
class Token:
    string: str
    kind: int
    start: tuple[int, int]  # (line index from 0, column)
    end: tuple[int, int]
    depth: int  # brackets open around it; an opening or closing bracket counts as outside


@dataclass(frozen=True)
class Statement:
    first: int  # line indexes, from 0
    last: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Layout:
    """A cell's lines as the tokenizer sees them."""

    lines: tuple[str, ...]
    statements: dict[int, Statement]  # by first line
    comments: dict[int, tuple[int, str]]  # line → (column, text)
    depth: tuple[int, ...]  # brackets open at the start of each line, before its first token
    continued: frozenset[int] = field(default_factory=frozenset)  # lines a multi-line string runs into

    def covering(self, index: int) -> Statement | None:
        """The statement that started on an earlier line and runs through this one."""
        return next((s for s in self.statements.values() if s.first < index <= s.last), None)

    def tag(self, index: int) -> Tag | None:
        found = self.comments.get(index)
        return tag_of(found[1]) if found else None

    def tokens_on(self, statement: Statement, first: int, last: int) -> tuple[Token, ...]:
        return tuple(token for token in statement.tokens if first <= token.start[0] <= last)


def read(lines: list[str], cell: int) -> Layout:
    """Tokenize a cell (IPython's ``%`` and ``!`` lines read as comments); ``MarkerError`` if it cannot be."""
    masked = [masked_magic(line) for line in lines]
    statements: dict = {}
    comments: dict = {}
    tokens: list = []
    current: list = []
    depth = 0
    continued: set[int] = set()
    for raw in _tokens(masked, cell, current):
        (row, column), (end_row, end_column) = raw.start, raw.end
        if raw.type == tokenize.COMMENT:
            comments[row - 1] = (column, raw.string)
        if raw.type == tokenize.NEWLINE and current:
            statements[current[0].start[0]] = Statement(current[0].start[0], row - 1, tuple(current))
            current.clear()
        if raw.type in LAYOUT_TOKENS:
            continue
        depth -= raw.type == tokenize.OP and raw.string in CLOSING
        token = Token(raw.string, raw.type, (row - 1, column), (end_row - 1, end_column), depth)
        current.append(token)
        tokens.append(token)
        continued.update(range(row, end_row))
        depth += raw.type == tokenize.OP and raw.string in OPENING
    return Layout(tuple(lines), statements, comments, _depths(len(lines), tokens), frozenset(continued))


def _tokens(lines: list[str], cell: int, current: list[Token]) -> Iterator[tokenize.TokenInfo]:
    """The tokenizer's tokens; ``MarkerError`` at the start of the statement it could not finish."""
    try:
        yield from tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
    except tokenize.TokenError as error:
        line = current[0].start[0] + 1 if current else error.args[1][0]
        raise MarkerError(cell, min(line, len(lines)), text.untokenizable(error.args[0])) from None
    except SyntaxError as error:
        raise MarkerError(cell, error.lineno or 1, text.untokenizable(error.msg)) from None


def masked_magic(line: str) -> str:
    """An IPython ``%`` or ``!`` line as a comment of the same length; any other line as it is."""
    stripped = line.lstrip()
    return line if stripped[:1] not in ("%", "!") else line[: len(line) - len(stripped)] + "#" + stripped[1:]


def _depths(count: int, tokens: list[Token]) -> tuple[int, ...]:
    """Brackets open at the start of each line (a line that starts by closing one is still inside it)."""
    after: dict[int, int] = {}
    for token in tokens:
        after[token.start[0]] = token.depth + (token.kind == tokenize.OP and token.string in OPENING)
    depths, running = [], 0
    for index in range(count):
        depths.append(running)
        running = after.get(index, running)
    return tuple(depths)


def placeholders(layout: Layout, region: Region, cell: int) -> list[str]:
    """The starter's lines for the body of a course region."""
    for boundary in (region.start, region.end):
        around = layout.covering(boundary)
        if around:
            raise MarkerError(cell, boundary + 1, text.marker_in_statement(around.first + 1))
    out: list[str] = []
    index = region.start + 1
    while index < region.end:
        statement = layout.statements.get(index)
        if statement is None:
            out += _loose(layout, index, cell)
            index += 1
        else:
            out += _statement(layout, statement, cell)
            index = statement.last + 1
    return out


def _loose(layout: Layout, index: int, cell: int) -> list[str]:
    """A blank or comment line: kept, unless tagged."""
    tag, line = layout.tag(index), layout.lines[index]
    if tag is None:
        return [line]
    if tag.name == "REPLACE EQUALS":
        raise MarkerError(cell, index + 1, text.tag_on_comment(tag.name))
    return _tagged(layout, Statement(index, index, ()), 0, tag, cell)


def _statement(layout: Layout, statement: Statement, cell: int) -> list[str]:
    tag, head = layout.tag(statement.first), statement.tokens[0]
    lines = layout.lines[statement.first : statement.last + 1]
    if tag is None and _is_frame(layout, statement):
        return _frame(layout, statement, cell)
    _untagged(layout, statement.first + 1, statement.last, statement.first, cell)
    if tag is not None:
        return _tagged(layout, statement, 0, tag, cell)
    if head.kind == tokenize.NAME and head.string in CONDITIONS:
        return [f"{_indent(lines[0])}{head.string} None:{_trailing(layout, statement.first)}"]
    if head.string in HEADERS:
        return list(lines)
    equals = _assignment(statement.tokens, 0)
    return _after(layout, statement, equals, "None") if equals else list(lines)


def _tagged(layout: Layout, unit: Statement, depth: int, tag: Tag, cell: int) -> list[str]:
    """A statement, an item of a bracketed list or a comment line, as its tag says."""
    if tag.name == "KEEP":
        return [_without_tag(layout, unit.first), *layout.lines[unit.first + 1 : unit.last + 1]]
    if tag.name == "OMIT":
        return []
    if tag.name == "REPLACE":
        return [(_indent(layout.lines[unit.first]) + tag.text).rstrip()]
    equals = _assignment(unit.tokens, depth)
    if equals is None:
        raise MarkerError(cell, unit.first + 1, text.tag_needs_assignment(tag.name))
    return _after(layout, unit, equals, tag.text, trailing=False)


def _is_frame(layout: Layout, statement: Statement) -> bool:
    """Opens a bracket at the end of its first line, closes it at the start of its last, nothing shallower between."""
    if statement.last == statement.first or statement.tokens[0].string in CONDITIONS | HEADERS:
        return False
    opener = layout.tokens_on(statement, statement.first, statement.first)[-1]
    closer = layout.tokens_on(statement, statement.last, statement.last)
    inner = layout.tokens_on(statement, statement.first + 1, statement.last - 1)
    return (
        opener.string in OPENING
        and bool(closer)
        and closer[0].string in CLOSING
        and statement.last not in layout.continued
        and all(token.depth > opener.depth for token in inner)
    )


def _frame(layout: Layout, statement: Statement, cell: int) -> list[str]:
    """The first and last lines as written; each item between them a placeholder."""
    depth = layout.tokens_on(statement, statement.first, statement.first)[-1].depth + 1
    out, index = [layout.lines[statement.first]], statement.first + 1
    while index < statement.last:
        if not layout.tokens_on(statement, index, index) or index in layout.continued:
            out += _loose(layout, index, cell)
            index += 1
            continue
        last = index
        while last + 1 < statement.last and (last + 1 in layout.continued or layout.depth[last + 1] > depth):
            last += 1
        item = Statement(index, last, layout.tokens_on(statement, index, last))
        _untagged(layout, index + 1, last, index, cell)
        tag = layout.tag(index)
        out += _tagged(layout, item, depth, tag, cell) if tag else [_item(layout, item, depth)]
        index = last + 1
    _untagged(layout, statement.last, statement.last, statement.first, cell)
    return [*out, layout.lines[statement.last]]


def _item(layout: Layout, item: Statement, depth: int) -> str:
    """``None,`` for an item of a list or call, ``name=None,`` for a keyword argument."""
    first, tokens = layout.lines[item.first], item.tokens
    keyword = len(tokens) > 1 and tokens[0].kind == tokenize.NAME and tokens[1].string == "=" and tokens[1].depth == depth
    head = _after(layout, item, tokens[1], "", trailing=False)[-1] if keyword else _indent(first)
    own = [token for token in tokens if token.depth == depth]
    comma = "," if own and own[-1].string == "," else ""
    return f"{head}None{comma}{_trailing(layout, item.first)}"


def _assignment(tokens: tuple[Token, ...], depth: int) -> Token | None:
    return next((token for token in tokens if token.depth == depth and token.kind == tokenize.OP and token.string in ASSIGNMENTS), None)


def _after(layout: Layout, unit: Statement, equals: Token, value: str, trailing: bool = True) -> list[str]:
    """What stands before ``equals`` (and the space after it), then ``value``."""
    row, column = equals.end
    following = next((token for token in unit.tokens if token.start > equals.start), None)
    gap = layout.lines[row][column : following.start[1]] if following and following.start[0] == row else " "
    head = [*layout.lines[unit.first : row], layout.lines[row][:column] + gap]
    head[-1] += value + (_trailing(layout, unit.first) if trailing else "")
    return head


def _untagged(layout: Layout, first: int, last: int, owner: int, cell: int) -> None:
    for index in range(first, last + 1):
        tag = layout.tag(index)
        if tag:
            raise MarkerError(cell, index + 1, text.tag_inside_statement(tag.name, owner + 1))


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _trailing(layout: Layout, index: int) -> str:
    """The comment a line ends with, and the space before it, without any tag; '' when there is none."""
    found = layout.comments.get(index)
    if found is None:
        return ""
    column, comment = found
    tag = tag_of(comment)
    kept = (comment[: tag.at] if tag else comment).rstrip()
    line = layout.lines[index]
    if kept in ("", "#") or not line[:column].strip():
        return ""
    code = line[:column].rstrip()
    return line[len(code) : column] + kept


def _without_tag(layout: Layout, index: int) -> str:
    line, found = layout.lines[index], layout.comments[index]
    column, comment = found
    tag = tag_of(comment)
    kept = comment[: tag.at].rstrip() if tag else comment
    if kept in ("", "#"):
        return line[:column].rstrip()
    return line[:column] + kept
