"""The AWS SDK calls of a function's JavaScript and TypeScript code, found with a real parser
(``tree-sitter`` and its JavaScript / TypeScript grammars).

What is followed, within a file and across the files of the code (relative ES imports,
``require`` with destructuring, ``module.exports = {...}`` and ``exports.x = ...``):

- SDK v3: clients and commands imported from ``@aws-sdk/client-<service>`` (``import``,
  ``import * as``, ``require`` with destructuring), ``new XClient(...)``, ``client.send(new
  XCommand(params))`` (the command built inline or bound to a name), aggregated clients
  (``new S3().getObject(params)``), paginators (``paginateListObjectsV2({client}, params)``),
  the ``@aws-sdk/lib-dynamodb`` document client (``DynamoDBDocumentClient.from(...)`` and its
  ``PutCommand``...; ``DynamoDBDocument``'s ``put``...), ``@aws-sdk/lib-storage``'s ``Upload``,
  ``getSignedUrl(client, new XCommand(...))`` (the URL is signed with the role);
- what esbuild makes of it (``NodejsFunction``): ``require`` namespaces and imported functions
  called as ``(0, ns.fn)(...)``; the libraries it inlined (each marked ``// node_modules/...``)
  are skipped as ``node_modules`` is; a minified bundle makes the picture partial;
- SDK v2: ``new AWS.S3().getObject(params)``, ``new AWS.DynamoDB.DocumentClient().put(params)``;
- Powertools for AWS Lambda (TypeScript): ``getParameter``, ``getSecret``... and the
  idempotency ``DynamoDBPersistenceLayer`` (a parameters provider class makes it partial).

The environment variable a call's resource comes from is read from its parameters
(``{ TableName: process.env.TABLE }``, ``process.env["TABLE"]``, a constant bound to one,
``const { TABLE } = process.env``; parameters in a named object; EventBridge ``Entries``).
What makes the picture partial: a command or client the analysis cannot resolve, a computed
member (``client[name](...)``), a transaction (its actions depend on its items), an operation
the IAM catalog does not know, a file that does not parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from guardrails.model.sdk_calls import CodeAnalysis, SdkCall, camel_to_snake, data, iam_actions

_EXTENSIONS = {
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".jsx": "js",
    ".ts": "ts",
    ".mts": "ts",
    ".cts": "ts",
    ".tsx": "tsx",
}


@dataclass(frozen=True)
class _Sym:
    """What a name stands for: ``kind`` (client_class, aggregated_class, command_class,
    paginator, doc_client_class, doc_class, upload_class, v2, v2_class, client, aggregated,
    doc_client, doc, command, v2_client, v2_doc, env, presigner, powertools, powertools_class,
    powertools_provider), the service, and a detail (the operation of a command class or
    object, a variable's name, a Powertools utility's name in the data)."""

    kind: str
    service: str = ""
    detail: str = ""
    node: Any = None


@cache
def _parser(dialect: str) -> Any:
    import tree_sitter_javascript
    import tree_sitter_typescript
    from tree_sitter import Language, Parser

    language = {
        "js": tree_sitter_javascript.language,
        "ts": tree_sitter_typescript.language_typescript,
        "tsx": tree_sitter_typescript.language_tsx,
    }[dialect]()
    return Parser(Language(language))


def is_node_file(name: str) -> bool:
    """A JavaScript or TypeScript source file (not a declaration file)."""
    return not name.endswith(".d.ts") and any(name.endswith(ext) for ext in _EXTENSIONS)


def iter_node_files(files: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """The function's own JavaScript / TypeScript files: not ``node_modules`` (vendored), nor
    tests shipped with the code (``__tests__/``, ``test/``, ``*.test.*``, ``*.spec.*``)."""
    for name, text in files.items():
        path = f"/{name}"
        base = name.rsplit("/", 1)[-1]
        is_test = (
            "/__tests__/" in path
            or "/test/" in path
            or "/tests/" in path
            or ".test." in base
            or ".spec." in base
        )
        if is_node_file(name) and not is_test and "node_modules/" not in name:
            yield name, own_code(text)


#: a file this large whose lines average this long is a minified bundle: the libraries it
#: inlined (and their AWS calls) cannot be told from the function's own code
_MINIFIED_SIZE, _MINIFIED_LINE = 64 * 1024, 500
#: esbuild's comment before each module of a bundle it did not minify (``// src/index.ts``,
#: ``// node_modules/uuid/dist/index.js``)
_BUNDLED_MODULE = re.compile(r"^// (\S+\.(?:[cm]?[jt]sx?|json))$", re.MULTILINE)


def own_code(text: str) -> str:
    """``text`` with the libraries an esbuild bundle (``NodejsFunction``) inlined blanked out,
    line for line (so lines keep their numbers): what esbuild marks as coming from
    ``node_modules/`` is not the function's code, as a vendored folder is not."""
    if "\n// node_modules/" not in text:
        return text
    out: list[str] = []
    position, vendored = 0, False
    for match in _BUNDLED_MODULE.finditer(text):
        out.append(
            _blank(text[position : match.start()]) if vendored else text[position : match.start()]
        )
        vendored = match.group(1).startswith("node_modules/")
        position = match.start()
    out.append(_blank(text[position:]) if vendored else text[position:])
    return "".join(out)


def _blank(text: str) -> str:
    return "\n" * text.count("\n")


def analyze(files: Mapping[str, str]) -> CodeAnalysis:
    """The SDK calls of the JavaScript / TypeScript files of one function's code; a client or
    command imported from another file of the code (``import { db } from "./clients"``) is
    followed."""
    calls: list[SdkCall] = []
    partial: list[str] = []
    parsed: dict[str, tuple[_File, Any]] = {}
    for name, text in files.items():
        if len(text) > _MINIFIED_SIZE and len(text) > _MINIFIED_LINE * (text.count("\n") + 1):
            partial.append(f"{name}: a minified bundle (its libraries cannot be told apart)")
        dialect = next((d for ext, d in _EXTENSIONS.items() if name.endswith(ext)), "js")
        tree = _parser(dialect).parse(text.encode("utf-8", "surrogatepass"))
        if tree.root_node.has_error:
            partial.append(f"{name} could not be parsed")
            continue
        parsed[name] = (_File(name), tree.root_node)
    by_module = {_module_key(name): found for name, (found, _) in parsed.items()}
    for _ in range(3):  # names bound from other files, then what is built from them
        for found, root in parsed.values():
            found.bind(root)
            found.link(by_module)
    for found, root in parsed.values():
        found.find(root)
        calls.extend(found.calls)
        partial.extend(found.partial)
    return CodeAnalysis(tuple(calls), tuple(dict.fromkeys(partial)))


def _module_key(name: str) -> str:
    """``src/lib/clients.ts`` -> ``src/lib/clients``; ``src/lib/index.js`` -> ``src/lib``."""
    stem = next((name[: -len(ext)] for ext in _EXTENSIONS if name.endswith(ext)), name)
    return stem.removesuffix("/index")


def _resolve(importer: str, source: str) -> str:
    """The module key a relative import of ``importer`` names."""
    parts = importer.split("/")[:-1]
    for part in source.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return _module_key("/".join(parts))


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _string(node: Any) -> str | None:
    if node is not None and node.type == "string":
        return "".join(_text(c) for c in node.children if c.type == "string_fragment")
    return None


def _service_of_package(package: str) -> str | None:
    if not package.startswith("@aws-sdk/client-"):
        return None
    short = package.removeprefix("@aws-sdk/client-")
    service: str = data()["js_packages"].get(short, short.replace("-", ""))
    return service


class _File:
    def __init__(self, name: str) -> None:
        self.name = name
        self.names: dict[str, _Sym] = {}
        #: local name -> (module key, exported name) of a relative import
        self.relative: dict[str, tuple[str, str]] = {}
        self.calls: list[SdkCall] = []
        self.partial: list[str] = []
        #: object literals bound to a name (``const params = { TableName: ... }``)
        self.objects: dict[str, Any] = {}
        #: the file's functions, by name: their parameters
        self.functions: dict[str, Any] = {}
        self._nodes: list[Any] | None = None

    # -- names -------------------------------------------------------------------------------
    def nodes(self, root: Any) -> list[Any]:
        """The nodes of the file the analysis reads, found in one walk (in source order) and
        kept: the bindings are read in several passes, then the calls."""
        if self._nodes is None:
            self._nodes = [n for n in _walk(root) if n.type in _READ]
        return self._nodes

    def bind(self, root: Any) -> None:
        for _ in range(2):  # a name bound before the names it is built from are known
            for node in self.nodes(root):
                if node.type == "import_statement":
                    self._import(node)
                elif node.type == "variable_declarator":
                    self._declarator(node)
                elif node.type == "assignment_expression":
                    left, right = (
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                    )
                    self._exported(left, right)
                    value = self.value(right)
                    if (
                        value is not None
                        and left is not None
                        and left.type in ("identifier", "member_expression")
                    ):
                        self.names[_text(left)] = value
                elif node.type in ("public_field_definition", "field_definition"):
                    # class Store { private s3 = new S3Client({}) }: this.s3
                    name = node.child_by_field_name("name") or node.child_by_field_name("property")
                    value = self.value(node.child_by_field_name("value"))
                    if name is not None and value is not None:
                        self.names[f"this.{_text(name)}"] = value
                elif node.type == "function_declaration":
                    name = node.child_by_field_name("name")
                    if name is not None:
                        self.functions[_text(name)] = node.child_by_field_name("parameters")
                elif node.type == "call_expression":
                    self._arguments(node)

    def _arguments(self, call: Any) -> None:
        """A client passed to a function of the file (``put(ddb, item)``): the function's
        parameter stands for it (names are the file's, as every binding here)."""
        function = call.child_by_field_name("function")
        params = self.functions.get(_text(function)) if function is not None else None
        if params is None or function.type != "identifier":
            return
        arguments = call.child_by_field_name("arguments")
        for i, param in enumerate(_parameter_names(params)):
            value = self.value(_nth_argument(arguments, i))
            if param and value is not None and value.kind in _CLIENTS and param not in self.names:
                self.names[param] = value

    def _exported(self, left: Any, right: Any) -> None:
        """CommonJS exports, for the files that ``require`` this one: ``module.exports = {
        db, s3: client }``, ``exports.db = ...``, ``module.exports.db = ...``."""
        if left is None or right is None:
            return
        target = _text(left)
        if target == "module.exports" and right.type == "object":
            for prop in right.children:
                if prop.type == "shorthand_property_identifier":
                    value = self.names.get(_text(prop))
                    if value is not None:
                        self.names[_text(prop)] = value
                elif prop.type == "pair":
                    value = self.value(prop.child_by_field_name("value"))
                    key = _text(prop.child_by_field_name("key")).strip("\"'")
                    if value is not None and key:
                        self.names[key] = value
            return
        for prefix in ("exports.", "module.exports."):
            name = target.removeprefix(prefix)
            if target.startswith(prefix) and "." not in name:
                value = self.value(right)
                if value is not None:
                    self.names[name] = value

    def _import(self, node: Any) -> None:
        package = _string(node.child_by_field_name("source")) or ""
        clause = next((c for c in node.children if c.type == "import_clause"), None)
        if clause is None:
            return
        for part in clause.children:
            if part.type == "identifier":  # default import
                self._imported(package, "default", _text(part))
            elif part.type == "namespace_import":
                alias = next((c for c in part.children if c.type == "identifier"), None)
                self._imported(package, "*", _text(alias))
            elif part.type == "named_imports":
                for spec in part.children:
                    if spec.type == "import_specifier":
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        self._imported(package, _text(name), _text(alias))

    def _imported(self, package: str, name: str, local: str) -> None:
        if package.startswith(".") and local:
            self.relative[local] = (_resolve(self.name, package), name)
            return
        symbol = _symbol_of_export(package, name)
        if symbol is not None and local:
            self.names[local] = symbol

    def link(self, modules: Mapping[str, _File]) -> None:
        """Names imported from other files of the code: what they are bound to there."""
        for local, (module, name) in self.relative.items():
            other = modules.get(module)
            symbol = other.names.get(name) if other is not None else None
            if symbol is not None:
                self.names[local] = symbol

    def _declarator(self, node: Any) -> None:
        target, value_node = node.child_by_field_name("name"), node.child_by_field_name("value")
        if target is None or value_node is None:
            return
        package = _required(value_node)
        if package is not None:
            if target.type == "identifier":
                self._imported(package, "*", _text(target))
            elif target.type == "object_pattern":
                for prop in target.children:
                    if prop.type == "shorthand_property_identifier_pattern":
                        self._imported(package, _text(prop), _text(prop))
                    elif prop.type == "pair_pattern":
                        key, alias = (
                            prop.child_by_field_name("key"),
                            prop.child_by_field_name("value"),
                        )
                        self._imported(package, _text(key), _text(alias))
            return
        if target.type == "object_pattern" and _text(value_node) == "process.env":
            # const { TABLE, BUCKET: bucket } = process.env
            for prop in target.children:
                if prop.type == "shorthand_property_identifier_pattern":
                    self.names[_text(prop)] = _Sym("env", detail=_text(prop))
                elif prop.type == "pair_pattern":
                    key, alias = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                    self.names[_text(alias)] = _Sym("env", detail=_text(key))
            return
        if value_node.type == "object" and target.type == "identifier":
            self.objects[_text(target)] = value_node
        if value_node.type in ("arrow_function", "function_expression", "function"):
            parameters = value_node.child_by_field_name("parameters")
            if parameters is None:  # x => ...: one parameter, no parentheses
                parameters = value_node.child_by_field_name("parameter")
            if parameters is not None and target.type == "identifier":
                self.functions[_text(target)] = parameters
        value = self.value(value_node)
        if value is not None and target.type == "identifier":
            self.names[_text(target)] = value

    # -- values ------------------------------------------------------------------------------
    def value(self, node: Any) -> _Sym | None:
        if node is None:
            return None
        kind = node.type
        if kind in (
            "await_expression",
            "parenthesized_expression",
            "as_expression",
            "non_null_expression",
            "satisfies_expression",
        ):
            inner = next((c for c in node.children if c.is_named), None)
            return self.value(inner)
        if kind == "identifier":
            return self.names.get(_text(node))
        if kind == "member_expression":
            env = _env(node)
            if env is not None:
                return env
            known = self.names.get(_text(node))
            if known is not None:
                return known
            owner = self.value(node.child_by_field_name("object"))
            prop = _text(node.child_by_field_name("property"))
            if owner is not None and owner.kind == "v2":
                return _Sym("v2_class", _v2_service(prop)) if prop[:1].isupper() else None
            if owner is not None and owner.kind == "v2_class" and prop == "DocumentClient":
                return _Sym("v2_doc_class", "dynamodb")
            if owner is not None and owner.kind == "namespace":
                return _symbol_of_export(owner.detail, prop)
            return None
        if kind == "subscript_expression":
            return _env(node)
        if kind == "new_expression":
            constructor = self.value(node.child_by_field_name("constructor"))
            if constructor is None:
                return None
            made = {
                "client_class": "client",
                "aggregated_class": "aggregated",
                "v2_class": "v2_client",
                "v2_doc_class": "v2_doc",
                "doc_client_class": "doc_client",
                "doc_class": "doc",
            }.get(constructor.kind)
            if made:
                return _Sym(made, constructor.service)
            if constructor.kind == "command_class":
                return _Sym(
                    "command",
                    constructor.service,
                    constructor.detail,
                    node.child_by_field_name("arguments"),
                )
            return None
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                owner = self.value(function.child_by_field_name("object"))
                prop = _text(function.child_by_field_name("property"))
                if (
                    owner is not None
                    and owner.kind in ("doc_client_class", "doc_class")
                    and prop == "from"
                ):
                    return _Sym(
                        "doc_client" if owner.kind == "doc_client_class" else "doc", "dynamodb"
                    )
        return None

    # -- calls -------------------------------------------------------------------------------
    def find(self, root: Any) -> None:
        for node in self.nodes(root):
            if node.type == "call_expression":
                self._call(node)
            elif node.type == "new_expression":
                constructor = self.value(node.child_by_field_name("constructor"))
                if constructor is not None and constructor.kind == "upload_class":
                    params = _property(
                        _first_argument(node.child_by_field_name("arguments")), "params"
                    )
                    self._add("s3", "upload", tuple(data()["upload"]), node, _env_in(self, params))
                elif constructor is not None and constructor.kind == "powertools_class":
                    # new DynamoDBPersistenceLayer({ tableName: process.env.TABLE })
                    options = _first_argument(node.child_by_field_name("arguments"))
                    table = self.value(_property(options, "tableName"))
                    env = table.detail if table is not None and table.kind == "env" else None
                    self._powertools(constructor.detail, node, env)
                elif constructor is not None and constructor.kind == "powertools_provider":
                    self.partial.append(
                        f"{self.name}:{node.start_point[0] + 1}: a Powertools parameters "
                        "provider (its calls are not followed)"
                    )
            elif node.type == "subscript_expression":
                owner = self.value(node.child_by_field_name("object"))
                index = node.child_by_field_name("index")
                if (
                    owner is not None
                    and owner.kind in _CLIENTS
                    and (index is None or index.type != "string")
                ):
                    self.partial.append(
                        f"{self.name}:{node.start_point[0] + 1}: a computed member of an AWS "
                        "SDK client"
                    )

    def _call(self, node: Any) -> None:
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None:
            return
        function = _callee(function)
        self._passed(node, function, arguments)
        if function.type in ("identifier", "member_expression"):
            symbol = self.value(function)
            if symbol is not None and symbol.kind == "paginator":
                params = _nth_argument(arguments, 1)
                self._operation(symbol.service, symbol.detail, node, params)
                return
            if symbol is not None and symbol.kind == "powertools":
                # getParameter(process.env.NAME), getSecret(...): Powertools calls the SDK
                first = self.value(_first_argument(arguments))
                env = first.detail if first is not None and first.kind == "env" else None
                self._powertools(symbol.detail, node, env)
                return
            if symbol is not None and symbol.kind == "presigner":
                # getSignedUrl(client, new GetObjectCommand(...)): the URL is signed with the
                # role's credentials, so whoever uses it needs the command's action
                command = self.value(_nth_argument(arguments, 1))
                if command is not None and command.kind == "command":
                    params = _first_argument(command.node)
                    self._operation(command.service, command.detail, node, params)
                return
        if function.type == "identifier":
            return
        if function.type != "member_expression":
            return
        owner = self.value(function.child_by_field_name("object"))
        method = _text(function.child_by_field_name("property"))
        if owner is None or owner.kind not in _CLIENTS:
            return
        if method == "send" and owner.kind in ("client", "doc_client"):
            command = self.value(_first_argument(arguments))
            if command is None or command.kind != "command":
                self.partial.append(
                    f"{self.name}:{node.start_point[0] + 1}: a command the analysis cannot resolve"
                )
                return
            self._operation(command.service, command.detail, node, _first_argument(command.node))
        elif owner.kind in ("aggregated", "v2_client") and method not in _CLIENT_METHODS:
            self._operation(
                owner.service, method[:1].upper() + method[1:], node, _first_argument(arguments)
            )
        elif owner.kind in ("doc", "v2_doc") and method not in _CLIENT_METHODS:
            operation = data()["document_client"].get(method[:1].upper() + method[1:])
            if operation is not None:
                self._record("dynamodb", operation, node, _first_argument(arguments))

    def _passed(self, node: Any, function: Any, arguments: Any) -> None:
        """A client passed to a function the analysis does not read (of a library, of another
        package): what it does with the client is not known, the picture is partial."""
        named = [c for c in (arguments.children if arguments is not None else ()) if c.is_named]
        passes_client = any(
            a.type in ("identifier", "member_expression")
            and (v := self.value(a)) is not None
            and v.kind in _CLIENTS
            for a in named
        )
        if not passes_client:
            return
        if function.type == "identifier" and _text(function) in self.functions:
            return  # followed: ``_arguments``
        if function.type in ("identifier", "member_expression") and (
            self.value(function) is not None
            or (
                function.type == "member_expression"
                and self.value(function.child_by_field_name("object")) is not None
            )
        ):
            return  # the SDK's own (``Client.from(client)``, ``client.send(...)``)
        self.partial.append(
            f"{self.name}:{node.start_point[0] + 1}: an AWS SDK client is passed to a "
            "function the analysis does not follow"
        )

    def _operation(self, service: str, pascal: str, node: Any, params: Any) -> None:
        """A v3 command or aggregated method: ``GetObject`` of ``s3``; a document client's
        command (``Put``) names a DynamoDB operation of its own."""
        if service == "dynamodb-document":
            operation = data()["document_client"].get(pascal)
            if operation is None:
                return
            self._record("dynamodb", operation, node, params)
            return
        self._record(service, camel_to_snake(pascal), node, params)

    def _record(self, service: str, operation: str, node: Any, params: Any) -> None:
        line = node.start_point[0] + 1
        env = _env_in(self, params)
        needed = iam_actions(service, operation)
        if needed is None:
            self.partial.append(
                f"{self.name}:{line}: {service}.{operation} is not in the IAM action catalog"
            )
            self.calls.append(SdkCall(service, operation, (), self.name, line, env, known=False))
            return
        self.calls.append(SdkCall(service, operation, needed, self.name, line, env))

    def _powertools(self, path: str, node: Any, env: str | None) -> None:
        """A Powertools utility's calls (the data's ``powertools``, shared with Python)."""
        needed = tuple(data()["powertools"].get(path, ()))
        if needed:
            self._add(needed[0].split(":", 1)[0], path, needed, node, env)

    def _add(
        self, service: str, operation: str, actions: tuple[str, ...], node: Any, env: str | None
    ) -> None:
        self.calls.append(
            SdkCall(service, operation, actions, self.name, node.start_point[0] + 1, env)
        )


_CLIENTS = frozenset({"client", "aggregated", "doc_client", "doc", "v2_client", "v2_doc"})
#: the node types ``bind`` and ``find`` read
_READ = frozenset(
    {
        "import_statement",
        "variable_declarator",
        "assignment_expression",
        "public_field_definition",
        "field_definition",
        "function_declaration",
        "call_expression",
        "new_expression",
        "subscript_expression",
    }
)
#: methods of a client object that are no operation
_CLIENT_METHODS = frozenset(
    {"send", "destroy", "middlewareStack", "config", "promise", "on", "then"}
)


def _symbol_of_export(package: str, name: str) -> _Sym | None:
    """What an export of an SDK package is."""
    if package in ("aws-sdk", "aws-sdk/global") and name in ("default", "*"):
        return _Sym("v2")
    if package.startswith("aws-sdk/clients/") and name in ("default", "*"):
        return _Sym("v2_class", package.rsplit("/", 1)[1])
    helpers = ("@aws-sdk/lib-dynamodb", "@aws-sdk/lib-storage", "@aws-sdk/s3-request-presigner")
    if package in helpers and name in ("*", "default"):
        return _Sym("namespace", "dynamodb" if package.endswith("dynamodb") else "s3", package)
    if package == "@aws-sdk/s3-request-presigner" and name == "getSignedUrl":
        return _Sym("presigner", "s3")
    if package.startswith("@aws-lambda-powertools/"):
        return _powertools_export(package, name)
    if package == "@aws-sdk/lib-dynamodb":
        if name == "DynamoDBDocumentClient":
            return _Sym("doc_client_class", "dynamodb")
        if name == "DynamoDBDocument":
            return _Sym("doc_class", "dynamodb")
        if name.endswith("Command"):
            return _Sym("command_class", "dynamodb-document", name.removesuffix("Command"))
        if name.startswith("paginate"):  # paginateQuery, paginateScan
            return _Sym("paginator", "dynamodb-document", name.removeprefix("paginate"))
        return None
    if package == "@aws-sdk/lib-storage" and name == "Upload":
        return _Sym("upload_class", "s3")
    service = _service_of_package(package)
    if service is None:
        return None
    if name in ("*", "default"):
        return _Sym("namespace", service, package)
    if name.endswith("Command"):
        return _Sym("command_class", service, name.removesuffix("Command"))
    if name.endswith("Client"):
        return _Sym("client_class", service)
    if name.startswith("paginate"):
        return _Sym("paginator", service, name.removeprefix("paginate"))
    if name[:1].isupper() and not name.endswith(("Exception", "Error", "Input", "Output")):
        return _Sym("aggregated_class", service)
    return None


#: Powertools for AWS Lambda (TypeScript) functions that call the SDK -> the data's names
_POWERTOOLS_FUNCTIONS = {
    "getParameter": "parameters.get_parameter",
    "getParameters": "parameters.get_parameters",
    "getParametersByName": "parameters.get_parameters_by_name",
    "getSecret": "parameters.get_secret",
    "getAppConfig": "parameters.get_app_config",
}


def _powertools_export(package: str, name: str) -> _Sym | None:
    """What an export of Powertools for AWS Lambda (TypeScript) is: a parameters function, the
    idempotency DynamoDB persistence layer, a parameters provider (not followed); the other
    utilities (logger, tracer, metrics, batch) call no AWS API of the role's."""
    if package.startswith("@aws-lambda-powertools/parameters") and name in _POWERTOOLS_FUNCTIONS:
        return _Sym("powertools", detail=_POWERTOOLS_FUNCTIONS[name])
    if package.startswith("@aws-lambda-powertools/parameters") and name.endswith("Provider"):
        return _Sym("powertools_provider")
    if package.startswith("@aws-lambda-powertools/idempotency") and name == (
        "DynamoDBPersistenceLayer"
    ):
        return _Sym("powertools_class", detail="DynamoDBPersistenceLayer")
    return None


def _v2_service(name: str) -> str:
    mapped: str = data()["js_v2_classes"].get(name, name.lower())
    return mapped


def _required(node: Any) -> str | None:
    """``require("pkg")`` (or ``await import("pkg")``): the package."""
    if node is not None and node.type == "await_expression":
        node = next((c for c in node.children if c.is_named), None)
    if node is None or node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    if _text(function) not in ("require", "import"):
        return None
    return _string(_first_argument(node.child_by_field_name("arguments")))


def _env(node: Any) -> _Sym | None:
    """``process.env.X`` or ``process.env["X"]``."""
    if node.type == "member_expression":
        owner = node.child_by_field_name("object")
        if _text(owner) == "process.env":
            return _Sym("env", detail=_text(node.child_by_field_name("property")))
    if node.type == "subscript_expression":
        owner = node.child_by_field_name("object")
        key = _string(node.child_by_field_name("index"))
        if _text(owner) == "process.env" and key:
            return _Sym("env", detail=key)
    return None


def _parameter_names(parameters: Any) -> list[str | None]:
    """The names of a function's parameters, in order (None for a pattern)."""
    if parameters.type == "identifier":
        return [_text(parameters)]
    names: list[str | None] = []
    for param in parameters.children:
        if not param.is_named or param.type == "comment":
            continue
        if param.type in ("required_parameter", "optional_parameter"):
            param = param.child_by_field_name("pattern") or param
        names.append(_text(param) if param.type == "identifier" else None)
    return names


def _callee(function: Any) -> Any:
    """The function a call calls: ``(0, ns.fn)(...)``, how esbuild calls an imported function,
    calls ``ns.fn``."""
    while True:
        if function.type in ("parenthesized_expression", "sequence_expression"):
            parts = function
        elif (
            function.type == "call_expression"
            and _text(function.child_by_field_name("function")) == "await"
        ):
            # tree-sitter reads ``await (0, ns.fn)(...)`` as a call of ``await``
            parts = function.child_by_field_name("arguments")
        else:
            return function
        named = [c for c in parts.children if c.is_named and c.type != "comment"]
        if not named:
            return function
        function = named[-1]


def _first_argument(arguments: Any) -> Any:
    return _nth_argument(arguments, 0)


def _nth_argument(arguments: Any, n: int) -> Any:
    if arguments is None:
        return None
    named = [c for c in arguments.children if c.is_named and c.type != "comment"]
    return named[n] if len(named) > n else None


def _property(obj: Any, key: str) -> Any:
    if obj is None or obj.type != "object":
        return None
    for pair in obj.children:
        if pair.type == "pair" and _text(pair.child_by_field_name("key")).strip("\"'") == key:
            return pair.child_by_field_name("value")
    return None


def _env_in(file: _File, params: Any) -> str | None:
    """The environment variable the resource of a call's parameters comes from."""
    if params is None:
        return None
    if params.type == "identifier":
        params = file.objects.get(_text(params))
        if params is None:
            return None
    entries = _property(params, "Entries")  # PutEventsCommand({ Entries: [{ EventBusName }] })
    if entries is not None and entries.type == "array":
        first = next((c for c in entries.children if c.is_named), None)
        if first is not None and first.type == "object":
            params = first
    keywords = data()["resource_keywords"]
    for key in keywords:
        value = _property(params, key)
        if value is None:
            continue
        symbol = file.value(value)
        if symbol is not None and symbol.kind == "env":
            return symbol.detail
    return None
