"""Printed output as a terminal would leave it: progress-bar redraws collapsed, escape sequences gone.

Keras's progress bar redraws one line hundreds of times per epoch with carriage returns,
backspaces and ANSI colour codes. ``Screen`` keeps only what a terminal would finally show:
``\\r`` returns to the start of the line, ``\\b`` steps back, ``ESC[K`` erases to the end of the
line, and every other escape sequence (colours, cursor moves, window titles) and control
character is dropped. The output limit counts this collapsed text, so a normal ``fit`` never
breaches it; the raw bytes are capped too (``raw_limit``), so a flood of redraws still ends.
"""

from __future__ import annotations

import codecs
import re

TOKEN = re.compile(
    r"(?P<osc>\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))"  # operating system command: window titles, links
    r"|(?P<csi>\x1b\[[0-?]*[ -/]*[@-~])"  # control sequence: colours, cursor, erase
    r"|(?P<esc>\x1b[@-_]?)"  # any other escape
    r"|(?P<control>[\x00-\x08\x0a-\x1f\x7f])"  # \n \r \b and the other controls; \t is kept
    r"|(?P<text>[^\x00-\x08\x0a-\x1f\x1b\x7f]+)"
)


class Screen:
    """Collapsed output, fed in chunks of bytes; ``size`` is what counts against the output limit."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.done: list[str] = []  # finished lines, each ending with a newline
        self.done_size = 0
        self.line: list[str] = []  # the current line, one character per item
        self.cursor = 0
        self.pending = ""  # the start of an escape sequence split across chunks

    def feed(self, data: bytes) -> None:
        text = self.pending + self.decoder.decode(data)
        self.pending = ""
        tail = text.rfind("\x1b", max(0, len(text) - 64))
        if tail >= 0:
            match = TOKEN.match(text, tail)
            if match is None or match.lastgroup == "esc":  # perhaps a sequence the next chunk completes
                text, self.pending = text[:tail], text[tail:]
        for match in TOKEN.finditer(text):
            kind, value = match.lastgroup, match.group()
            if kind == "text":
                self._write(value)
            elif kind == "control":
                self._control(value)
            elif kind == "csi" and value.endswith("K"):
                del self.line[self.cursor :]

    def _write(self, text: str) -> None:
        end = self.cursor + len(text)
        self.line[self.cursor : end] = list(text)
        self.cursor = end

    def _control(self, char: str) -> None:
        if char == "\n":
            finished = "".join(self.line).rstrip() + "\n"
            self.done.append(finished)
            self.done_size += len(finished.encode())
            self.line, self.cursor = [], 0
        elif char == "\r":
            self.cursor = 0
        elif char == "\b":
            self.cursor = max(0, self.cursor - 1)

    @property
    def size(self) -> int:
        return self.done_size + len(self.line)

    def text(self) -> str:
        return "".join(self.done) + "".join(self.line).rstrip()


def collapse(data: bytes | str) -> str:
    """Collapsed text of a whole output at once."""
    screen = Screen()
    screen.feed(data.encode() if isinstance(data, str) else data)
    return screen.text()
