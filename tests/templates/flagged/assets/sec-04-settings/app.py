import json

import pymysql
from settings import DB_HOST, DB_PASSWORD, DB_USER


def handler(event, context):
    connection = pymysql.connect(host=DB_HOST, user=DB_USER, password=DB_PASSWORD)
    return {"statusCode": 200, "body": json.dumps({"open": connection.open})}
