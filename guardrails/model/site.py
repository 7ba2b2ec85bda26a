"""Where something lives in the assembly: the unit every finding points at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """Where something lives: a resource of a stack, and a property path inside it."""

    stack: str
    logical_id: str
    construct_path: str | None
    template_path: str
    location: str = "Properties"

    def at(self, *path: str | int) -> Site:
        """The same resource, deeper property path (``site.at("Environment", "Variables")``)."""
        suffix = "/".join(str(p) for p in path)
        return Site(
            self.stack,
            self.logical_id,
            self.construct_path,
            self.template_path,
            f"{self.location}/{suffix}" if suffix else self.location,
        )
