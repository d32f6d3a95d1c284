"""Streaming CSV reading for imports: .csv or .csv.gz, UTF-8 checked per line, dates in a zone.

Nothing here holds more than one record at a time. The content hash is SHA-256 of the
uncompressed bytes, so a file and its gzipped copy are recognised as the same export.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import itertools
import os
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from comanage_tui.data.errors import ComanageError
from comanage_tui.data.text import clean

_BLOCK = 1 << 18
MAX_LINE_BYTES = 1 << 20
"""Longest physical line read (docs/IMPORT.md "Limits"); a longer one refuses the import."""
MAX_EXPANDED_BYTES = 4 << 30
"""Most bytes a compressed export may expand to."""
MAX_RATIO = 100
"""Most a compressed export may expand (real exports: 10-20 fold) once past `_RATIO_FREE_BYTES`."""
_RATIO_FREE_BYTES = 16 << 20
EARLIEST, LATEST = 0, 7_258_118_400
"""Dates a cell may hold, epoch seconds: from 1970-01-01 up to (not including) 2200-01-01 UTC."""
Progress = Callable[[int, int], None]
"""Called with (bytes of the file read so far, file size)."""


class ImportProblem(ComanageError):
    """The file cannot be imported at all (unreadable, wrong header, not UTF-8 text …)."""


@dataclass(slots=True)
class Record:
    """One CSV record: its first physical line number, its fields, or why it cannot be read."""

    line: int
    fields: list[str]
    error: str | None = None


@dataclass
class CsvSource:
    """Iterates the records of one file; `header` is read on open.

    Args:
        path: a .csv file, or gzip-compressed (recognised by its magic bytes, not the name).
        progress: optional callback, called every few thousand records.
    """

    path: Path
    progress: Progress | None = None
    header: list[str] = field(default_factory=list)
    sha256: str = ""

    def __iter__(self) -> Iterator[Record]:
        size = os.path.getsize(self.path)
        with open(self.path, "rb") as raw:
            magic = raw.read(4)
            raw.seek(0)
            if magic.startswith(b"PK\x03\x04"):
                raise ImportProblem(f"{self.shown} is a zip file (an Excel workbook?); export or save it as CSV")
            packed = magic.startswith(b"\x1f\x8b")
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if packed else raw
            try:
                yield from self._records(stream, raw, size, packed)
            except (EOFError, OSError, zlib.error) as exc:
                raise ImportProblem(f"{self.shown} cannot be read to the end ({clean(exc)}); is the file complete?") from None

    @property
    def shown(self) -> str:
        """The file's name as messages show it (a hostile name cannot drive the terminal)."""
        return clean(self.path.name, limit=200)

    def _records(self, stream, raw, size: int, packed: bool) -> Iterator[Record]:  # binary file objects
        digest = hashlib.sha256()
        bad_lines: deque[tuple[int, str]] = deque()  # filled in line order, ahead of the reader

        def blocks() -> Iterator[io.StringIO]:
            # Megabyte blocks decoded in one go are fast; a block that is not UTF-8 is decoded
            # again line by line, which is what lets a bad byte be reported with its line number.
            tail, lines_before, first, total = b"", 0, True, 0
            while True:
                chunk = stream.read(_BLOCK)
                if chunk:
                    total += len(chunk)
                    if packed:
                        _check_expansion(total, raw.tell())
                    digest.update(chunk)
                    data = tail + chunk
                    cut = data.rfind(b"\n") + 1 or data.rfind(b"\r") + 1
                    # Stop before holding an endless line (a gzip bomb is one line of megabytes).
                    if (not cut and len(data) > MAX_LINE_BYTES) or _first_line_length(data) > MAX_LINE_BYTES:
                        raise ImportProblem(f"line {lines_before + 1:,} is longer than {MAX_LINE_BYTES:,} bytes "
                                            "(the limit for one line): this is not a CSV export comanage can read")
                    if not cut:
                        tail = data
                        continue
                    data, tail = data[:cut], data[cut:]
                elif tail:
                    data, tail = tail, b""
                else:
                    return
                if first:
                    first = False
                    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                        raise ImportProblem(f"{self.shown} is UTF-16 text; save or export it as UTF-8 (CSV UTF-8)")
                    if data.startswith(b"\xef\xbb\xbf"):
                        data = data[3:]
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = "".join(_decode_lines(data, lines_before, bad_lines))
                lines_before += data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
                yield io.StringIO(text, newline="")

        # Physical lines go to the csv reader one at a time, and the last ones are kept, so
        # that a syntax error can be judged by the lines it spans (see `_resumable`).
        recent: deque[str] = deque(maxlen=2)

        def lines() -> Iterator[str]:
            for line in itertools.chain.from_iterable(blocks()):
                recent.append(line)
                yield line

        reader = csv.reader(lines(), strict=True)
        start = 1
        n = 0
        while True:
            try:
                fields = next(reader)
                error = None
            except StopIteration:
                break
            except csv.Error as exc:
                fields, error = [], f"CSV syntax error: {exc}"
                _refuse_unless_resumable(str(exc), start, reader.line_num, recent)
            end = reader.line_num
            if bad_lines and bad_lines[0][0] <= end:
                error = bad_lines[0][1]
                while bad_lines and bad_lines[0][0] <= end:
                    bad_lines.popleft()
            if not self.header:
                if error:
                    raise ImportProblem(f"{self.shown}: cannot read the header: {error}")
                if not fields:
                    raise ImportProblem(f"{self.shown} is empty: no header line")
                self.header = [h.strip() for h in fields]
                start = end + 1
                continue
            if fields or error:
                yield Record(start, fields, error)
            start = end + 1
            n += 1
            if self.progress is not None and n % 4096 == 0:
                self.progress(raw.tell(), size)
        if not self.header:
            raise ImportProblem(f"{self.shown} is empty: no header line")
        self.sha256 = digest.hexdigest()
        if self.progress is not None:
            self.progress(size, size)


def _first_line_length(data: bytes) -> int:
    """Bytes before the first line break of `data` (all of it when there is none)."""
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    return min(ends) if ends else len(data)


def _check_expansion(total: int, packed: int) -> None:
    """Refuse a compressed file that expands beyond the documented limits (a decompression bomb)."""
    if total > MAX_EXPANDED_BYTES:
        raise ImportProblem(f"it expands to more than {MAX_EXPANDED_BYTES >> 30} GiB (the limit for a compressed "
                            "export); split the export")
    if total > _RATIO_FREE_BYTES and total > MAX_RATIO * max(packed, 1):
        raise ImportProblem(f"it expands more than {MAX_RATIO}-fold ({packed:,} compressed bytes gave {total:,}); "
                            "a CSV export does not compress that well (the limit is the ratio), so it is not read")


def _refuse_unless_resumable(error: str, start: int, end: int, recent: deque[str]) -> None:
    """Raise unless the reader can safely go on after a syntax error in the record of lines start..end.

    After an error the csv module starts again at the next physical line. That is only a
    record boundary when the record was one line whose quotes pair up; otherwise the next
    line may be the inside of a quoted field, and reading it as rows would invent tickets
    (or silently swallow thousands). Then nothing is imported, even with --skip-bad-rows.
    """
    if start == end and recent and recent[-1].count('"') % 2 == 0:
        return
    span = f"line {start:,}" if start == end else f"lines {start:,}–{end:,} ({end - start + 1:,} lines)"
    if "end of data" in error:
        why = (f"the file ends inside a quoted field: {span} are swallowed by a quote that is never closed, opened "
               f"in the record starting on line {start:,}")
    elif "field limit" in error:
        why = (f"a cell of the record starting on line {start:,} is longer than {csv.field_size_limit():,} characters "
               f"(the limit for one cell); {span} and possibly more belong to it, so its quote is probably never closed")
    else:
        why = f"a quote in the record starting on line {start:,} does not pair up ({error}); {span} cannot be split into rows safely"
    raise ImportProblem(f"{why}; --skip-bad-rows cannot skip this (rows inside a broken quote cannot be "
                        f"told apart): fix the quotes from line {start:,} on")


def _decode_lines(data: bytes, lines_before: int, bad_lines: deque[tuple[int, str]]) -> Iterator[str]:
    """Decode line by line, noting each line that is not UTF-8 (it is kept, with replacement characters)."""
    for number, line in enumerate(data.splitlines(keepends=True), lines_before + 1):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_lines.append((number, f"line {number} is not valid UTF-8 (byte 0x{line[exc.start]:02x} at position "
                                      f"{exc.start + 1}); re-export the file as UTF-8"))
            yield line.decode("utf-8", errors="replace")


# strptime directives the fast path understands, as regex groups.
_DIRECTIVES = {"d": r"(?P<d>\d{1,2})", "m": r"(?P<m>\d{1,2})", "Y": r"(?P<Y>\d{4})", "y": r"(?P<y>\d{2})",
               "H": r"(?P<H>\d{1,2})", "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})"}


class DateParser:
    """Turns source date strings into epoch seconds; naive values are read in `timezone`.

    A local time that does not exist (the spring DST gap) or happens twice (autumn) is
    resolved as PEP 495 `fold=0` does: with the offset in force before the change.
    """

    def __init__(self, fmt: str, timezone: str):
        self.fmt = fmt
        self.zone = ZoneInfo(timezone)
        self._regex = None if fmt == "iso" else _compile(fmt)
        self._cache: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        """Epoch seconds; raises ValueError naming the expected format."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        value = self._parse(text.strip())
        if len(self._cache) > 8192:  # consecutive rows repeat values; a small cache is enough
            self._cache.clear()
        self._cache[text] = value
        return value

    def _parse(self, text: str) -> int:
        try:
            if self._regex is None:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            elif self._regex is False:
                when = dt.datetime.strptime(text, self.fmt)
            else:
                m = self._regex.fullmatch(text)
                if m is None:
                    raise ValueError
                g = m.groupdict()
                year = int(g["Y"]) if g.get("Y") else 2000 + int(g["y"])
                when = dt.datetime(year, int(g["m"]), int(g["d"]), int(g.get("H") or 0), int(g.get("M") or 0),
                                   int(g.get("S") or 0))
        except ValueError:
            shown = "ISO 8601" if self._regex is None else self.fmt
            raise ValueError(f"'{text}' is not a date in the format {shown}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.zone)
        value = int(when.timestamp())
        if not EARLIEST <= value < LATEST:  # year 1 or 9999 is a typo or a placeholder, not a ticket's date
            raise ValueError(f"'{text}' is out of range (dates from 1970 up to 2200 are imported)")
        return value


def _compile(fmt: str):  # a compiled regex, or False for "use strptime"
    """A regex for simple numeric formats (fast); False when strptime must do it."""
    out, i = [], 0
    seen: set[str] = set()
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            code = fmt[i + 1 : i + 2]
            if code not in _DIRECTIVES or code in seen:
                return False
            seen.add(code)
            out.append(_DIRECTIVES[code])
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    if not {"d", "m"} <= seen or not seen & {"Y", "y"}:
        return False
    return re.compile("".join(out))
