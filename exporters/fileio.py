"""Path-or-file arguments for the writers and readers, handled once (like networkx's
``open_file``): a writer takes a path (``str`` or ``Path``) or an open binary file object.

A path is opened (and closed) here; a file object is used as it is and left open, since the
caller owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

PathOrFile = str | Path | BinaryIO


@contextmanager
def open_file(target: PathOrFile, mode: str = "wb") -> Iterator[BinaryIO]:
    """``target`` as a binary file object open in ``mode`` (``"wb"`` or ``"rb"``)."""
    if mode not in ("wb", "rb"):
        raise ValueError(f"mode {mode!r}: expecting 'wb' or 'rb'")
    if isinstance(target, str | Path):
        with open(target, mode) as fh:
            yield cast(BinaryIO, fh)
    else:
        yield target


def write_lines(lines: Iterable[str], target: PathOrFile, chunk: int = 4096) -> None:
    """Encode text lines as UTF-8 into ``target`` in chunks (lone surrogates become ``?``)."""
    with open_file(target, "wb") as fh:
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= chunk:
                fh.write("".join(buf).encode("utf-8", "replace"))
                buf.clear()
        fh.write("".join(buf).encode("utf-8", "replace"))


def write_bytes(data: bytes, target: PathOrFile) -> None:
    """Write ``data`` to ``target``."""
    with open_file(target, "wb") as fh:
        fh.write(data)
