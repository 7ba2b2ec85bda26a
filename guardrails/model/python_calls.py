"""The AWS SDK calls of a function's Python code, found with the standard ``ast`` module.

What is followed, within a module and across the modules of the same code (``from .aws
import table``):

- clients and resources: ``boto3.client("s3")``, ``boto3.resource("dynamodb")``,
  ``boto3.Session().client(...)``, ``session.client(...)``, ``from boto3 import client``, and a
  resource's ``.meta.client``;
- the objects of a resource: ``dynamodb.Table(name)``, ``s3.Bucket(b)``, ``s3.Object(b, k)``,
  ``bucket.Object(k)``, ``sqs.Queue(url)``, ``sns.Topic(arn)``, ``bucket.objects``;
- names they are bound to (``table = ...``, ``self.s3 = ...``, a module constant), and simple
  functions that return one (``def table(): return boto3.resource(...).Table(...)``);
- calls: client operations, ``get_paginator("op")``, ``get_waiter("name")``,
  ``generate_presigned_url("op")``, resource actions (``Table.put_item``, ``batch_writer``,
  ``Bucket.upload_file``, ``Object.get``, ``bucket.objects.all()``), and the common
  Powertools for AWS Lambda utilities (``parameters.get_parameter``, ``get_secret``,
  ``DynamoDBPersistenceLayer``).

Where a call's resource comes from an environment variable (``os.environ["TABLE"]``,
``os.environ.get("TABLE")``, ``os.getenv("TABLE")``, directly or through a name bound to it) the
call says which (``SdkCall.env``).

What makes the picture partial (``CodeAnalysis.partial``): a client built from a service name
that is not a literal, ``getattr`` on a client or resource, an SDK operation the IAM catalog
does not know, a file that does not parse. A rule that needs the whole picture stays silent on
a partial one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from guardrails.model.sdk_calls import (
    CodeAnalysis,
    SdkCall,
    data,
    iam_actions,
    needs_no_permission,
    waiter_operation,
)


@dataclass(frozen=True)
class _Boto3:
    """The ``boto3`` module, or ``boto3.session`` / a ``Session``."""

    kind: str  # "module", "session_module", "session", "client_factory", "resource_factory"


@dataclass(frozen=True)
class _Client:
    service: str


@dataclass(frozen=True)
class _Resource:
    """A service resource (``kind`` ""), or one of its objects (``Table``, ``Bucket``...)."""

    service: str
    kind: str = ""
    env: str | None = None


@dataclass(frozen=True)
class _Env:
    """A value read from an environment variable."""

    name: str


@dataclass(frozen=True)
class _Powertools:
    """``aws_lambda_powertools.utilities.parameters`` (or one of its functions)."""

    path: str


_Value = Any  # one of the classes above, or None (unknown)


@dataclass
class _Module:
    """One module's names: what each is bound to, what each function returns."""

    name: str
    names: dict[str, _Value] = field(default_factory=dict)
    returns: dict[str, _Value] = field(default_factory=dict)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (module, name)


def analyze(files: Mapping[str, str]) -> CodeAnalysis:
    """The SDK calls of the Python files of one function's code (file name -> text)."""
    partial: list[str] = []
    trees: dict[str, ast.Module] = {}
    for name, text in files.items():
        try:
            trees[name] = ast.parse(text, filename=name)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            partial.append(f"{name} could not be parsed")
    modules = {name: _Module(_module_name(name)) for name in trees}
    by_module = {m.name: m for m in modules.values()}
    indexes = {name: _Index(tree) for name, tree in trees.items()}
    for _ in range(3):  # names bound from other modules, and functions returning objects
        for name, index in indexes.items():
            binder = _Binder(modules[name], by_module)
            binder.run(index)
            partial.extend(f"{name}: {reason}" for reason in binder.evaluator.partial)
    calls: list[SdkCall] = []
    for name, index in indexes.items():
        finder = _Calls(name, modules[name], by_module, {f.name for f in index.functions})
        for call in index.calls:
            finder.visit_Call(call)
        calls.extend(finder.calls)
        partial.extend(finder.partial)
        partial.extend(f"{name}: {reason}" for reason in finder.evaluator.partial)
    return CodeAnalysis(tuple(calls), tuple(dict.fromkeys(partial)))


def _module_name(file: str) -> str:
    return file.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


class _Evaluator:
    """What an expression is, given the module's names."""

    def __init__(self, module: _Module, modules: Mapping[str, _Module]) -> None:
        self.module = module
        self.modules = modules
        self.partial: list[str] = []

    def lookup(self, name: str) -> _Value:
        if name in self.module.names:
            return self.module.names[name]
        imported = self.module.imports.get(name)
        if imported is not None:
            source, symbol = imported
            other = self.modules.get(source)
            if other is not None:
                return other.names.get(symbol)
        return None

    def returned(self, name: str) -> _Value:
        """What the function ``name`` (of this module, or imported from another) returns."""
        if name in self.module.returns:
            return self.module.returns[name]
        imported = self.module.imports.get(name)
        other = self.modules.get(imported[0]) if imported else None
        return other.returns.get(imported[1]) if other is not None and imported else None

    def value(self, node: ast.AST | None) -> _Value:
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                bound = self.lookup(f"self.{node.attr}")
                if bound is None:  # a class attribute (``table = ...`` in the class body)
                    bound = self.lookup(node.attr)
                    return bound if isinstance(bound, (_Client, _Resource)) else None
                return bound
            return _attribute(self.value(node.value), node.attr)
        if isinstance(node, ast.Subscript):
            return _env_subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        return None

    def call(self, node: ast.Call) -> _Value:
        env = _env_call(node)
        if env is not None:
            return env
        func = node.func
        if isinstance(func, ast.Name):
            returned = self.returned(func.id)
            if returned is not None:
                return returned
        target = self.value(func)
        if isinstance(target, _Boto3):
            if target.kind in ("session_module", "module") and _called(func, "Session"):
                return _Boto3("session")
            if target.kind == "client_factory":
                return self._client(node, _Client)
            if target.kind == "resource_factory":
                return self._client(node, _Resource)
        if isinstance(func, ast.Attribute):
            owner = self.value(func.value)
            if isinstance(owner, _Boto3) and func.attr in ("client", "resource"):
                return self._client(node, _Client if func.attr == "client" else _Resource)
            if isinstance(owner, _Boto3) and func.attr == "Session":
                return _Boto3("session")
            if isinstance(owner, _Resource) and func.attr[:1].isupper():
                return _Resource(
                    owner.service, func.attr, _env_of(self, node.args[:1]) or owner.env
                )
            if isinstance(func.value, ast.Name) and func.value.id in self.module.returns:
                return None
        return None

    def _client(self, node: ast.Call, kind: type) -> _Value:
        service = node.args[0] if node.args else _keyword(node, "service_name")
        if isinstance(service, ast.Constant) and isinstance(service.value, str):
            return kind(service.value)
        self.partial.append(
            "a client or resource is built from a service name that is not a literal"
        )
        return None


def _called(func: ast.AST, name: str) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == name


def _attribute(base: _Value, attr: str) -> _Value:
    if isinstance(base, _Boto3) and base.kind == "module":
        if attr == "session":
            return _Boto3("session_module")
        if attr == "client":
            return _Boto3("client_factory")
        if attr == "resource":
            return _Boto3("resource_factory")
        if attr == "Session":
            return _Boto3("module")
    if isinstance(base, _Boto3) and base.kind == "session" and attr in ("client", "resource"):
        return _Boto3("client_factory" if attr == "client" else "resource_factory")
    if isinstance(base, _Resource) and attr == "meta":
        return _Resource(base.service, "meta", base.env)
    if isinstance(base, _Resource) and base.kind == "meta" and attr == "client":
        return _Client(base.service)
    if isinstance(base, _Resource) and base.kind == "Bucket" and attr == "objects":
        return _Resource(base.service, "Bucket.objects", base.env)
    if isinstance(base, _Powertools):
        return _Powertools(f"{base.path}.{attr}")
    return None


def _keyword(node: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _env_subscript(node: ast.Subscript) -> _Env | None:
    """``os.environ["X"]``."""
    if _is_environ(node.value) and isinstance(node.slice, ast.Constant):
        value = node.slice.value
        return _Env(value) if isinstance(value, str) else None
    return None


def _env_call(node: ast.Call) -> _Env | None:
    """``os.environ.get("X")``, ``os.getenv("X")``."""
    func = node.func
    is_get = isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)
    is_getenv = (
        isinstance(func, ast.Attribute) and func.attr == "getenv" and _is_name(func.value, "os")
    )
    if (is_get or is_getenv) and node.args and isinstance(node.args[0], ast.Constant):
        value = node.args[0].value
        return _Env(value) if isinstance(value, str) else None
    return None


def _is_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute) and node.attr == "environ" and _is_name(node.value, "os")
    ) or (isinstance(node, ast.Name) and node.id == "environ")


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _env_of(evaluator: _Evaluator, nodes: list[ast.expr]) -> str | None:
    for node in nodes:
        value = evaluator.value(node)
        if isinstance(value, _Env):
            return value.name
    return None


class _Index:
    """The nodes of one module the analysis reads, found in one walk (in source order): a
    visitor's walk per pass cost 0.3 ms on a handler of ten lines."""

    def __init__(self, tree: ast.Module) -> None:
        nodes = sorted(
            (n for n in ast.walk(tree) if isinstance(n, _BOUND)),
            key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)),
        )
        self.bindings = [n for n in nodes if not isinstance(n, _FUNCTIONS)]
        self.functions = [n for n in nodes if isinstance(n, _FUNCTIONS)]
        self.returns = {
            id(f): [r.value for r in ast.walk(f) if isinstance(r, ast.Return) and r.value]
            for f in self.functions
        }
        self.calls = [n for n in nodes if isinstance(n, ast.Call)]


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BOUND = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.Call, *_FUNCTIONS)


class _Binder:
    """Names bound to SDK objects, imports, and what simple functions return."""

    def __init__(self, module: _Module, modules: Mapping[str, _Module]) -> None:
        self.module = module
        self.evaluator = _Evaluator(module, modules)

    def run(self, index: _Index) -> None:
        """One pass: imports and bindings in source order, then what each function returns
        (from the names bound so far: the passes reach a fixpoint)."""
        for node in index.bindings:
            if isinstance(node, ast.Import):
                self.visit_Import(node)
            elif isinstance(node, ast.ImportFrom):
                self.visit_ImportFrom(node)
            elif isinstance(node, ast.Assign):
                self.visit_Assign(node)
            elif isinstance(node, ast.AnnAssign):
                self.visit_AnnAssign(node)
        self._arguments(index)
        for function in index.functions:
            returned = [self.evaluator.value(value) for value in index.returns[id(function)]]
            known = [v for v in returned if v is not None]
            if known and all(v == known[0] for v in known):
                self.module.returns[function.name] = known[0]

    def _arguments(self, index: _Index) -> None:
        """A client or resource passed to a function of the module (``put(table, item)``): the
        function's parameter stands for it (names are the module's, as every binding here)."""
        functions = {f.name: f for f in index.functions}
        for call in index.calls:
            target = functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
            if target is None:
                continue
            params = [a.arg for a in (*target.args.posonlyargs, *target.args.args)]
            passed = [*zip(params, call.args, strict=False)]
            named = {*params, *(a.arg for a in target.args.kwonlyargs)}
            passed += [(k.arg, k.value) for k in call.keywords if k.arg in named]
            for param, argument in passed:
                value = self.evaluator.value(argument)
                if isinstance(value, (_Client, _Resource)) and param not in self.module.names:
                    self.module.names[param] = value

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "boto3" or alias.name == "boto3.session":
                self.module.names[alias.asname or "boto3"] = _Boto3("module")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            if source == "boto3":
                kinds = {
                    "client": "client_factory",
                    "resource": "resource_factory",
                    "Session": "module",
                    "session": "session_module",
                }
                if alias.name in kinds:
                    self.module.names[local] = _Boto3(kinds[alias.name])
            elif source == "boto3.session" and alias.name == "Session":
                self.module.names[local] = _Boto3("module")
            elif source.startswith("aws_lambda_powertools"):
                if alias.name == "parameters":
                    self.module.names[local] = _Powertools("parameters")
                elif source.endswith("parameters"):
                    self.module.names[local] = _Powertools(f"parameters.{alias.name}")
                elif alias.name == "DynamoDBPersistenceLayer":
                    self.module.names[local] = _Powertools("DynamoDBPersistenceLayer")
            else:
                module = (
                    source if not node.level else _relative(self.module.name, source, node.level)
                )
                self.module.imports[local] = (module, alias.name)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.evaluator.value(node.value)
        if value is not None:
            for target in node.targets:
                key = _target_key(target)
                if key:
                    self.module.names[key] = value

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        value = self.evaluator.value(node.value) if node.value else None
        key = _target_key(node.target)
        if value is not None and key:
            self.module.names[key] = value


def _target_key(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute) and _is_name(target.value, "self"):
        return f"self.{target.attr}"
    return None


def _relative(module: str, source: str, level: int) -> str:
    parts = module.split(".")[:-level] if level <= module.count(".") + 1 else []
    return ".".join([*parts, source] if source else parts)


class _Calls:
    """The calls of one module."""

    def __init__(
        self, file: str, module: _Module, modules: Mapping[str, _Module], local: set[str]
    ) -> None:
        self.file = file
        self.evaluator = _Evaluator(module, modules)
        self.calls: list[SdkCall] = []
        self.partial: list[str] = []
        #: the functions of the module (a client passed to one is followed: ``_Binder``)
        self.local = local
        #: ``get_paginator`` calls already read with the ``paginate`` call chained on them
        self._chained: set[int] = set()

    def visit_Call(self, node: ast.Call) -> None:
        if id(node) in self._chained:
            return
        func = node.func
        local = isinstance(func, ast.Name) and func.id in self.local
        sdk = isinstance(func, ast.Attribute) and isinstance(
            self.evaluator.value(func.value), (_Client, _Resource, _Boto3, _Powertools)
        )
        if (
            not local
            and not sdk
            and any(
                isinstance(self.evaluator.value(a), (_Client, _Resource))
                for a in (*node.args, *(k.value for k in node.keywords))
            )
        ):
            # what a function of another module or library does with it is not read
            self.partial.append(
                f"{self.file}:{node.lineno}: an AWS SDK client or resource is passed to a "
                "function the analysis does not follow"
            )
        if isinstance(func, ast.Attribute) and func.attr == "paginate":
            inner = func.value
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr == "get_paginator"
                and isinstance(client := self.evaluator.value(inner.func.value), _Client)
            ):
                # ``client.get_paginator("op").paginate(Bucket=...)``: the resource is
                # paginate's (met first: the walk reaches the outer call first)
                self._chained.add(id(inner))
                env = self._env_argument(node)
                self._client_call(inner, client.service, "get_paginator", env)
                return
        if _is_name(func, "getattr") and node.args:
            if isinstance(self.evaluator.value(node.args[0]), (_Client, _Resource)):
                self.partial.append(f"{self.file}:{node.lineno}: getattr on an AWS SDK client")
            return
        target = self.evaluator.value(func)
        if isinstance(target, _Powertools):
            self._powertools(node, target.path)
            return
        if not isinstance(func, ast.Attribute):
            return
        owner = self.evaluator.value(func.value)
        if isinstance(owner, _Client):
            self._client_call(node, owner.service, func.attr)
        elif isinstance(owner, _Resource):
            self._resource_call(node, owner, func.attr)

    def _client_call(
        self, node: ast.Call, service: str, method: str, env: str | None = None
    ) -> None:
        """``client.method(...)``; ``env``: the call's resource when another call names it
        (``paginate(Bucket=...)`` for ``get_paginator``), else the call's own argument."""
        if method in data()["client_helpers"]:
            return
        operation: str | None = method
        if method in ("get_paginator", "generate_presigned_url"):
            operation = _literal(
                node.args[0]
                if node.args
                else _keyword(
                    node, "ClientMethod" if method != "get_paginator" else "operation_name"
                )
            )
        elif method == "get_waiter":
            name = _literal(node.args[0] if node.args else _keyword(node, "waiter_name"))
            operation = waiter_operation(service, name) if name else None
            if name and operation is None:
                self.partial.append(
                    f"{self.file}:{node.lineno}: waiter {service}.{name} is not in the data"
                )
                return
        if operation is None:
            self.partial.append(
                f"{self.file}:{node.lineno}: {service}.{method} of an operation that is not a "
                "literal"
            )
            return
        self._record(node, service, operation, env or self._env_argument(node))

    def _resource_call(self, node: ast.Call, owner: _Resource, method: str) -> None:
        methods = data()["resources"].get(owner.service, {}).get(owner.kind, {})
        if method not in methods or method[:1].isupper():
            return
        mapped = methods[method]
        if isinstance(mapped, list):
            self.calls.append(
                SdkCall(owner.service, method, tuple(mapped), self.file, node.lineno, owner.env)
            )
            return
        self._record(node, owner.service, mapped, owner.env or self._env_argument(node))

    def _powertools(self, node: ast.Call, path: str) -> None:
        actions = data()["powertools"].get(path)
        if actions is None:
            return
        env = self._env_argument(node) or _env_of(self.evaluator, list(node.args[:1]))
        service = actions[0].split(":", 1)[0]
        self.calls.append(SdkCall(service, path, tuple(actions), self.file, node.lineno, env))

    def _record(self, node: ast.Call, service: str, operation: str, env: str | None) -> None:
        if needs_no_permission(service, operation):
            return
        needed = iam_actions(service, operation)
        if needed is None:
            self.partial.append(
                f"{self.file}:{node.lineno}: {service}.{operation} is not in the IAM action catalog"
            )
            self.calls.append(
                SdkCall(service, operation, (), self.file, node.lineno, env, known=False)
            )
            return
        self.calls.append(SdkCall(service, operation, needed, self.file, node.lineno, env))

    def _env_argument(self, node: ast.Call) -> str | None:
        """The environment variable the call's resource comes from, if any."""
        keywords = set(data()["resource_keywords"]) | {"table_name", "name"}
        for keyword in node.keywords:
            if keyword.arg in keywords:
                value = self.evaluator.value(keyword.value)
                if isinstance(value, _Env):
                    return value.name
            elif keyword.arg in ("Params", "Entries"):
                # generate_presigned_url(..., Params={"Bucket": ...}), put_events(Entries=[{...}])
                found = keyword.value
                if isinstance(found, ast.List) and found.elts:
                    found = found.elts[0]
                if isinstance(found, ast.Dict):
                    for key, item in zip(found.keys, found.values, strict=True):
                        if _literal(key) in keywords:
                            value = self.evaluator.value(item)
                            if isinstance(value, _Env):
                                return value.name
        return None


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def iter_python_files(files: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """The function's own Python files: not vendored libraries (``site-packages``, a
    ``*.dist-info`` folder's package, ``boto3`` / ``botocore`` themselves), nor tests shipped
    with the code (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``: they run on a
    laptop with mocks, not in the function)."""
    vendored = ("site-packages/", "dist-packages/", "boto3/", "botocore/", "python/lib/")
    for name, text in files.items():
        base = name.rsplit("/", 1)[-1]
        is_test = (
            "/tests/" in f"/{name}"
            or "/test/" in f"/{name}"
            or base.startswith("test_")
            or base.endswith("_test.py")
            or base == "conftest.py"
        )
        if name.endswith(".py") and not is_test and not any(part in name for part in vendored):
            yield name, text
