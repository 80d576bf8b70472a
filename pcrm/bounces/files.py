"""Returned mail saved as files: one message a .eml file, or many in an mbox file."""

import mailbox
from collections.abc import Iterator
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be opened or is not mail; the message says why, in words."""


def messages(path: Path) -> Iterator[bytes]:
    """Each message in `path`: the whole file for .eml, every message of an mbox (a file
    starting with an mbox "From " line, whatever its name)."""
    try:
        with path.open("rb") as file:
            start = file.read(5)
    except OSError as error:
        raise UnreadableFile(f"{path}: 파일을 열 수 없습니다 ({error.strerror})") from None
    if start != b"From ":
        yield path.read_bytes()
        return
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()
