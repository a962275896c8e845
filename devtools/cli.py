"""The ``hobopy`` command: the local stack, the database commands and the deploy checks."""

import pkgutil

import click

# Each command lives in its own module, imported only when it runs (or when help lists it).
COMMANDS = {
    "run": "devtools.local.stack:run",
    "db": "devtools.db.cli:db_group",
    "preflight": "devtools.deploy.preflight:preflight",
    "package": "devtools.deploy.package:package_command",
    "ui": "devtools.ui.cli:cli",
    "fuzz": "devtools.quality.fuzz:fuzz_command",
    "loadtest": "devtools.quality.loadtest:loadtest_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command: click.Command | None = pkgutil.resolve_name(COMMANDS[name]) if name in COMMANDS else None
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """hobopy developer commands. Run `hobopy COMMAND --help` for one command's help."""
