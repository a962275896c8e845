"""What docs/api.md and README.ja.md say of the list order holds: the API's todos oldest first, the seed's after."""

import json

from chalicelib.storage import dynamodb_client
from devtools.db import datafiles, tables

JSON = {"Content-Type": "application/json"}


def test_lists_hold_the_apis_todos_oldest_first_then_the_seeds(dynalite_api_client, dynalite_table) -> None:
    endpoint, table = dynalite_table
    for requests in datafiles.read_requests(datafiles.SEED_PATH).values():
        tables.write_batches(dynamodb_client(endpoint), table, datafiles.to_boto(requests))
    created = []
    for title in ("一番目", "二番目", "三番目"):
        response = dynalite_api_client.post(
            "/todos", headers=JSON, body=json.dumps({"title": title, "memo": "", "priority": 3})
        )
        assert response.status_code == 201, response.body
        created.append(json.loads(response.body)["id"])

    listed = [todo["id"] for todo in json.loads(dynalite_api_client.get("/todos").body)]
    assert listed == [*created, "L5", "L6", "L7"]
    assert all(todo_id[0].isdigit() for todo_id in created)
