"""The AWS SDK calls of JavaScript and TypeScript handlers (``model.node_calls``): SDK v3
clients and commands, aggregated clients, paginators, the document client, the upload
helper, SDK v2, and what makes the analysis partial."""

from __future__ import annotations

import pytest

from guardrails.model.node_calls import analyze, iter_node_files

V3 = """
import { S3Client, GetObjectCommand, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Upload } from "@aws-sdk/lib-storage";
import * as sfn from "@aws-sdk/client-sfn";

const s3 = new S3Client({});
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TABLE = process.env.TABLE_NAME;

export const handler = async (event: unknown): Promise<void> => {
  await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: "k" }));
  const put = new PutCommand({ TableName: TABLE, Item: {} });
  await doc.send(put);
  await doc.send(new QueryCommand({ TableName: process.env["TABLE_NAME"] }));
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: process.env.BUCKET })) {
    console.log(page);
  }
  const upload = { Bucket: process.env.BUCKET, Key: "k", Body: "x" };
  await new Upload({ client: s3, params: { ...upload, Bucket: process.env.BUCKET } }).done();
  await new sfn.SFNClient({}).send(new sfn.StartExecutionCommand({ stateMachineArn: "arn" }));
};
"""


def found(files: dict[str, str]) -> list[tuple[str, tuple[str, ...], str | None]]:
    result = analyze(files)
    assert result.complete, result.partial
    return [(c.operation, c.actions, c.env) for c in result.calls]


def test_sdk_v3_in_typescript() -> None:
    assert found({"src/index.ts": V3}) == [
        ("get_object", ("s3:GetObject",), "BUCKET"),
        ("put_item", ("dynamodb:PutItem",), "TABLE_NAME"),
        ("query", ("dynamodb:Query",), "TABLE_NAME"),
        ("list_objects_v2", ("s3:ListBucket",), "BUCKET"),
        ("upload", ("s3:PutObject", "s3:AbortMultipartUpload"), "BUCKET"),
        ("start_execution", ("states:StartExecution",), None),
    ]


def test_commonjs_aggregated_clients_and_sdk_v2() -> None:
    source = """
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
const { SecretsManager } = require("@aws-sdk/client-secrets-manager");
const AWS = require("aws-sdk");

const secrets = new SecretsManager({});
const v2 = new AWS.S3();
const table = new AWS.DynamoDB.DocumentClient();

exports.handler = async () => {
  await new SQSClient({}).send(new SendMessageCommand({ QueueUrl: process.env.QUEUE }));
  await secrets.getSecretValue({ SecretId: process.env.SECRET_ARN });
  await v2.headObject({ Bucket: "b", Key: "k" }).promise();
  await table.batchWrite({ RequestItems: {} }).promise();
};
"""
    assert found({"index.js": source}) == [
        ("send_message", ("sqs:SendMessage",), "QUEUE"),
        ("get_secret_value", ("secretsmanager:GetSecretValue",), "SECRET_ARN"),
        ("head_object", ("s3:GetObject",), None),
        ("batch_write_item", ("dynamodb:BatchWriteItem",), None),
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            'import { S3Client } from "@aws-sdk/client-s3";\n'
            "const s3 = new S3Client({});\n"
            "export const h = async (cmd) => s3.send(cmd);\n",
            "a command the analysis cannot resolve",
        ),
        (
            'import { S3 } from "@aws-sdk/client-s3";\n'
            "const s3 = new S3({});\n"
            "export const h = async (op) => s3[op]({});\n",
            "computed member",
        ),
        (
            'import { DynamoDBDocument } from "@aws-sdk/lib-dynamodb";\n'
            'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\n'
            "const doc = DynamoDBDocument.from(new DynamoDBClient({}));\n"
            "export const h = async () => doc.transactWrite({ TransactItems: [] });\n",
            "not in the IAM action catalog",
        ),
        ("export const h = async ( => {;\n", "could not be parsed"),
    ],
    ids=["unresolved command", "computed member", "transaction", "syntax error"],
)
def test_what_makes_the_analysis_partial(source: str, reason: str) -> None:
    result = analyze({"index.mjs": source})
    assert not result.complete
    assert any(reason in r for r in result.partial), result.partial


def test_vendored_modules_and_declarations_are_not_the_functions_code() -> None:
    files = {
        "index.js": "",
        "lib/db.ts": "",
        "types.d.ts": "",
        "index.test.ts": "",
        "__tests__/handler.js": "",
        "lib/db.spec.ts": "",
        "node_modules/@aws-sdk/client-s3/dist-cjs/index.js": "",
        "README.md": "",
    }
    assert [name for name, _ in iter_node_files(files)] == ["index.js", "lib/db.ts"]


def test_clients_and_commands_imported_from_another_file() -> None:
    clients = """import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export { PutCommand };
export const TABLE = process.env.ORDERS_TABLE;
"""
    handler = """import { ddb, TABLE } from "../lib/clients";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
export const handler = async () => {
  await ddb.send(new PutCommand({ TableName: TABLE, Item: {} }));
};
"""
    assert found({"src/lib/clients.ts": clients, "src/handlers/orders.ts": handler}) == [
        ("put_item", ("dynamodb:PutItem",), "ORDERS_TABLE"),
    ]


BUNDLE = """"use strict";
var import_client_dynamodb = require("@aws-sdk/client-dynamodb");
var import_lib_dynamodb = require("@aws-sdk/lib-dynamodb");
var import_client_s3 = require("@aws-sdk/client-s3");
var import_s3_request_presigner = require("@aws-sdk/s3-request-presigner");
var ddb = import_lib_dynamodb.DynamoDBDocumentClient.from(
  new import_client_dynamodb.DynamoDBClient({})
);
var s3 = new import_client_s3.S3Client({});
var handler = async (event) => {
  await ddb.send(new import_lib_dynamodb.GetCommand({ TableName: process.env.TABLE, Key: {} }));
  const query = { TableName: process.env.TABLE };
  for await (const page of (0, import_lib_dynamodb.paginateQuery)({ client: ddb }, query)) {
  }
  return await (0, import_s3_request_presigner.getSignedUrl)(
    s3, new import_client_s3.GetObjectCommand({ Bucket: process.env.BUCKET, Key: "k" })
  );
};
"""


def test_an_esbuild_bundle_namespaces_and_calls_of_imported_functions() -> None:
    """What ``NodejsFunction`` stages: ES imports turned into ``require`` namespaces, imported
    functions called as ``(0, ns.fn)(...)`` (which tree-sitter reads after ``await`` as a call
    of ``await``), the presigner signing a command with the role's credentials."""
    assert found({"index.js": BUNDLE}) == [
        ("get_item", ("dynamodb:GetItem",), "TABLE"),
        ("query", ("dynamodb:Query",), "TABLE"),
        ("get_object", ("s3:GetObject",), "BUCKET"),
    ]


def test_environment_destructured_and_events_entries() -> None:
    source = """
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
const { BUCKET, BUS: bus } = process.env;
const s3 = new S3Client({});
export const handler = async () => {
  await new EventBridgeClient({}).send(new PutEventsCommand({ Entries: [{ EventBusName: bus }] }));
  return getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET!, Key: "k" }));
};
"""
    assert found({"index.ts": source}) == [
        ("put_events", ("events:PutEvents",), "BUS"),
        ("put_object", ("s3:PutObject",), "BUCKET"),
    ]


def test_commonjs_exports_of_another_file_are_followed() -> None:
    clients = """const { S3Client } = require("@aws-sdk/client-s3");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient } = require("@aws-sdk/lib-dynamodb");
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
module.exports = { db, storage: new S3Client({}) };
exports.archive = new S3Client({});
"""
    handler = """const { db, storage, archive } = require("./lib/clients");
const { PutCommand } = require("@aws-sdk/lib-dynamodb");
const { GetObjectCommand, PutObjectCommand } = require("@aws-sdk/client-s3");
exports.handler = async () => {
  await db.send(new PutCommand({ TableName: process.env.TABLE, Item: {} }));
  await storage.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: "k" }));
  await archive.send(new PutObjectCommand({ Bucket: process.env.ARCHIVE, Key: "k" }));
};
"""
    assert found({"lib/clients.js": clients, "index.js": handler}) == [
        ("put_item", ("dynamodb:PutItem",), "TABLE"),
        ("get_object", ("s3:GetObject",), "BUCKET"),
        ("put_object", ("s3:PutObject",), "ARCHIVE"),
    ]


def test_clients_passed_to_functions_and_class_fields() -> None:
    """A client passed to a function of the file is followed through its parameter; a class
    field holds one for ``this``; one passed to a library's function makes the picture
    partial (what the library calls is not read)."""
    source = """
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
const ddb = new DynamoDBClient({});
async function put(client, item) {
  await client.send(new PutItemCommand({ TableName: process.env.TABLE, Item: item }));
}
const read = async (db: DynamoDBClient) => put(db, {});
export class Store {
  private s3 = new S3Client({});
  async get(key: string) {
    return this.s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: key }));
  }
}
export const handler = async () => read(ddb);
"""
    assert found({"index.ts": source}) == [
        ("put_item", ("dynamodb:PutItem",), "TABLE"),
        ("get_object", ("s3:GetObject",), "BUCKET"),
    ]
    library = """
import { S3Client } from "@aws-sdk/client-s3";
import { sync } from "s3-sync-lib";
const s3 = new S3Client({});
export const handler = async () => sync(s3, process.env.BUCKET);
"""
    assert analyze({"index.ts": library}).partial == (
        "index.ts:5: an AWS SDK client is passed to a function the analysis does not follow",
    )


def test_powertools_for_typescript() -> None:
    """Parameters functions and the idempotency persistence layer call the SDK with the
    role (as their Python twins); the logger calls nothing; a provider class is not followed."""
    source = """
import { Logger } from "@aws-lambda-powertools/logger";
import { getParameter } from "@aws-lambda-powertools/parameters/ssm";
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
const logger = new Logger();
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY! });
export const handler = makeIdempotent(
  async () => (await getParameter(process.env.PARAM!)) + (await getSecret(process.env.SECRET)),
  { persistenceStore },
);
"""
    assert found({"index.ts": source}) == [
        (
            "DynamoDBPersistenceLayer",
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"),
            "IDEMPOTENCY",
        ),
        ("parameters.get_parameter", ("ssm:GetParameter",), "PARAM"),
        ("parameters.get_secret", ("secretsmanager:GetSecretValue",), "SECRET"),
    ]
    provider = 'import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";\n'
    provider += "const parameters = new SSMProvider();\n"
    assert analyze({"index.ts": provider}).partial == (
        "index.ts:2: a Powertools parameters provider (its calls are not followed)",
    )


def test_the_libraries_an_esbuild_bundle_inlined_are_not_the_functions_code() -> None:
    """esbuild marks each module of a bundle it did not minify with its path: what comes from
    ``node_modules/`` (here a library that creates IAM users) is skipped, line numbers kept."""
    bundle = """"use strict";
// node_modules/evil-lib/index.js
var import_client_iam = require("@aws-sdk/client-iam");
var iam = new import_client_iam.IAMClient({});
iam.send(new import_client_iam.CreateUserCommand({ UserName: "x" }));

// src/index.ts
var import_client_s3 = require("@aws-sdk/client-s3");
var s3 = new import_client_s3.S3Client({});
var handler = async () => s3.send(new import_client_s3.GetObjectCommand({ Bucket: process.env.B }));
"""
    result = analyze(dict(iter_node_files({"index.js": bundle})))
    assert [(c.operation, c.line, c.env) for c in result.calls] == [("get_object", 10, "B")]


def test_a_minified_bundle_is_partial() -> None:
    line = 'var a=require("@aws-sdk/client-s3");' + "var x=1;" * 20_000
    assert analyze({"index.js": line + "\n"}).partial == (
        "index.js: a minified bundle (its libraries cannot be told apart)",
    )
