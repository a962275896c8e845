"""The table at each start of ``hobopy run``: created and seeded when missing, rebuilt when from before accounts."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devtools import files, settings
from devtools.db import datafiles, tables

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any


def prepare_table(client: DynamoDBClient, data_dir: Path, say: Callable[[str], None]) -> bool:
    """Make the schema's table ready to serve; True when it was created and seeded just now.

    A table from before accounts is rebuilt with the owner key (see ``upgrade_before_accounts``).
    """
    schema = datafiles.load_schema()
    if tables.ensure_table(client, schema):
        # Only a table created just now gets the seed, so edits survive restarts.
        for requests in datafiles.read_requests(datafiles.SEED_PATH).values():
            tables.write_batches(client, schema["TableName"], datafiles.to_boto(requests))
        return True
    upgrade_before_accounts(client, schema, data_dir, say)
    return False


def upgrade_before_accounts(
    client: DynamoDBClient, schema: dict[str, Any], data_dir: Path, say: Callable[[str], None]
) -> None:
    """Give the todos of a table keyed by id alone to the demo owner, a copy of them kept in ``data_dir`` first."""
    name = schema["TableName"]
    backup = data_dir / f"{name}-before-accounts.json"

    def keep(items: list[datafiles.Item]) -> None:
        # The todos as a batch-write-item file of the old table: `hobopy db load` can put them back.
        files.write_atomic(backup, datafiles.dump_document(datafiles.to_document(name, items, ["id"])))

    moved = tables.upgrade_to_owner_key(client, schema, settings.demo_owner(), keep)
    if moved is not None:
        say(
            f"the {name} table was from before accounts: its {moved} todos now belong to the demo owner "
            f"(requests without a token); a copy is in {backup}. "
            "`hobopy db move-todos --to SUB` gives them to a user."
        )
