"""Where something lives in the assembly: the unit every finding points at."""

from __future__ import annotations

from dataclasses import dataclass


# slots: a scan builds tens of thousands of sites (one per statement, permission, finding...);
# without a ``__dict__`` each takes less than half the memory and is built faster
@dataclass(frozen=True, slots=True)
class Site:
    """Where something lives: a resource of a stack, and a property path inside it."""

    stack: str
    logical_id: str
    construct_path: str | None
    template_path: str
    location: str = "Properties"

    def at(self, *path: str | int) -> Site:
        """The same resource, deeper property path (``site.at("Environment", "Variables")``)."""
        suffix = location_suffix(path)
        return Site(
            self.stack,
            self.logical_id,
            self.construct_path,
            self.template_path,
            f"{self.location}/{suffix}" if suffix else self.location,
        )


def location_suffix(path: tuple[str | int, ...]) -> str:
    """A property path as a location's tail: ``("Statement", 0)`` -> ``Statement/0``."""
    if len(path) == 1 and type(path[0]) is str:  # the common case: one key, no join
        return path[0]
    return "/".join(map(str, path))
