"""The ``hobopy`` command table and the devtools packages: every command resolves, every package is installed."""

import tomllib

import click
from click.testing import CliRunner

from devtools import cli
from devtools.settings import ROOT


def test_every_command_of_the_table_resolves_and_help_lists_it() -> None:
    for name in cli.COMMANDS:
        assert isinstance(cli.main.get_command(click.Context(cli.main), name), click.Command), name
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.split("Commands:", 1)[1].splitlines() if line.strip()}
    assert listed == set(cli.COMMANDS)


def test_every_devtools_package_is_in_setuptools_package_list() -> None:
    """A package left out would be missing from a non-editable install."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "devtools").rglob("__init__.py")}
    assert found <= set(packages), sorted(found - set(packages))
