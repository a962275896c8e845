"""Files the dev tools read and write: text read as UTF-8 whatever the locale says, files replaced only once whole.

A problem with a file is one ``DataFileError``, located as file:line:column when the position is known.
"""

import os
import tempfile
from pathlib import Path


class DataFileError(Exception):
    """A problem in a file and its fix, shown as ``file:line:column: message`` (the position when known)."""

    def __init__(self, path: str | Path | None, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.path, self.message, self.line, self.column = path, message, line, column

    def __str__(self) -> str:
        where = f":{self.line}:{self.column}" if self.line else ""
        return self.message if self.path is None else f"{display_path(self.path)}{where}: {self.message}"


def display_path(path: str | Path) -> str:
    """``path`` as the user would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_text(path: str | Path) -> str:
    """The file's text as UTF-8; other encodings are refused with a guess at what they are."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot read the file: {exc.strerror or exc}.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            guess = "; it looks like UTF-16"
        else:
            # cp932 has no U+FFFD of its own: one in the decoded text marks a byte it refused.
            guess = "" if "\ufffd" in data.decode("cp932", "replace") else "; it looks like Shift_JIS (cp932)"
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}){guess}; save the file as UTF-8."
        before = data[: exc.start].decode("utf-8")
        raise DataFileError(path, message, *line_column(before, len(before))) from None


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The line and column (both from 1) of ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def write_atomic(path: str | Path, data: str | bytes, mode: int | None = None) -> None:
    """Write ``data`` (text as UTF-8) as a private (0600, or ``mode``) file replacing ``path`` only once whole."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
