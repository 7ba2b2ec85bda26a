"""Keyword checks shared by the secure constructs.

The constructs subclass CDK classes and pass most of the CDK props through unchanged, typed as
a ``TypedDict`` so that mypy and editors know each name. At run time a ``**options`` dict would
still swallow a misspelt name silently (jsii ignores unknown struct fields), so every name is
checked here: a prop the construct sets itself is refused with the option to use instead, and a
name that is no prop at all raises the ``TypeError`` Python raises for a misspelt argument.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Collection, Iterable, Mapping


def struct_fields(struct: type) -> frozenset[str]:
    """The field names (Python spelling) of a jsii struct such as ``aws_lambda.FunctionProps``:
    the keyword parameters of its generated ``__init__``."""
    return frozenset(inspect.signature(struct).parameters)


def check_options(
    owner: str,
    given: Iterable[str],
    *,
    accepted: Collection[str],
    controlled: Mapping[str, str | None],
    explicit: Collection[str] = (),
) -> None:
    """Raise ``TypeError`` for the first name in ``given`` that ``owner`` does not pass through.

    :param accepted: the props passed through unchanged.
    :param controlled: props the construct sets itself -> the option to use instead (``None``
        when there is none: the value is fixed by a rule).
    :param explicit: the construct's own keyword parameters, suggested for a misspelt name.
    """
    for name in given:
        if name in controlled:
            instead = controlled[name]
            hint = f"; use {instead}" if instead else ""
            raise TypeError(f"{owner} sets {name} itself{hint}")
        if name not in accepted:
            close = difflib.get_close_matches(name, [*accepted, *explicit], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{owner}() got an unexpected keyword argument {name!r}{hint}")
