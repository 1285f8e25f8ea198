"""The files a test project names (``file://tests.csv``, ``samples_jsonl: arithmetic/samples.jsonl``), found on disk
beside its config (never outside its folder) or among the files uploaded with it (by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class ProjectFiles(Protocol):
    """Where a project's referenced files are read from."""

    def read(self, ref: str) -> tuple[str, bytes] | None:
        """The file's display name and bytes, or None when it is not there."""


class DiskFiles:
    """Files under ``root`` (the project's folder), looked up from ``base`` (the config's folder) first."""

    def __init__(self, base: Path, root: Path | None = None, also: tuple[str, ...] = ()):
        self.base = base.resolve()
        self.root = (root or base).resolve()
        self.also = also  # more folders to look in, relative to base (an evals registry's ../data)

    def read(self, ref: str) -> tuple[str, bytes] | None:
        for folder in (".", *self.also):
            path = (self.base / folder / ref).resolve()
            if (path == self.root or self.root in path.parents) and path.is_file():
                return str(path), path.read_bytes()
        return None


class UploadedFiles:
    """Files uploaded together, found by their name (a reference's folders are not uploaded)."""

    def __init__(self, files: dict[str, bytes]):
        self.files = {Path(name).name: (name, data) for name, data in files.items()}

    def read(self, ref: str) -> tuple[str, bytes] | None:
        return self.files.get(Path(ref).name)


def file_ref(value) -> str | None:
    """The path of a ``file://`` reference, or None for any other value."""
    if isinstance(value, str) and value.startswith("file://"):
        return value[len("file://") :].strip()
    return None
