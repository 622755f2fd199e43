"""A server with no logic: it answers from a table of requests recorded in another grading run.

``table.json`` (written by tests/grader/sandbox/test_hostile.py from a recorded run) lists,
in order, each
request's method, path, query and body with the status, headers and body it got. A request
seen several times gets its answers in the recorded order; an unknown request gets a 404.
"""

import base64
import json
from pathlib import Path
from typing import Any

Key = tuple[str, str, str, str]
TABLE: dict[Key, list[dict[str, Any]]] = {}
for record in json.loads(Path(__file__).with_name("table.json").read_text()):
    key = (record["method"], record["path"], record["query"], record["body"])
    TABLE.setdefault(key, []).append(record)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    query = scope["query_string"].decode()
    key = (scope["method"], scope["path"], query, base64.b64encode(body).decode())
    answers = TABLE.get(key)
    if answers:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        status, headers = answer["status"], answer["headers"]
        content = base64.b64decode(answer["response"])
    else:
        status, headers, content = (
            404,
            [["content-type", "application/json"]],
            b'{"detail":"Not Found"}',
        )
    headers = [[k, v] for k, v in headers if k.lower() != "content-length"]
    headers.append(["content-length", str(len(content))])
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": content})
