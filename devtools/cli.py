"""The ``hobopy`` command: the local stack, the database commands and the deploy checks."""
import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """hobopy developer commands. Run `hobopy COMMAND --help` for one command's help."""


def _register():
    # Each command lives in its own module; importing here keeps `hobopy --help` whole.
    from devtools import stack

    main.add_command(stack.run)
    from devtools import dbcli

    main.add_command(dbcli.db_group)
    from devtools import package, preflight

    main.add_command(preflight.preflight)
    main.add_command(package.package_command)
    from devtools import ui

    main.add_command(ui.cli, name="ui")
    from devtools import fuzz, loadtest

    main.add_command(fuzz.fuzz_command)
    main.add_command(loadtest.loadtest_command)


_register()
