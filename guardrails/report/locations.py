"""Where a finding is, as a path a CI system can show: shared by the report writers.

A template path is reported relative to a base directory (default: the current directory, where
a pipeline runs from the repository root) when the template lies below it, so that GitLab and
code scanning dashboards can link it to the file in the repository; otherwise it stays absolute.
"""

from __future__ import annotations

from pathlib import Path, PurePath


def relative_path(template_path: str, base: str | Path | None = None) -> str:
    """``template_path`` (POSIX separators) relative to ``base`` when it lies below it, else as
    given. A relative path is returned as it is: it is already relative to where the run is."""
    path = Path(template_path)
    if not path.is_absolute():
        return path.as_posix()
    root = Path(base) if base is not None else Path.cwd()
    for candidate in _bases(root):
        try:
            return path.relative_to(candidate).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def _bases(root: Path) -> list[PurePath]:
    """The base as resolved (symbolic links followed) and as written: a template path from the
    engine is resolved, one written by hand may not be."""
    try:
        resolved: PurePath = root.resolve()
    except OSError:  # a loop of symbolic links
        resolved = root.absolute()
    return [resolved, root.absolute()]


__all__ = ["relative_path"]
