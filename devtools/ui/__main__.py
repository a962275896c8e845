"""``python -m devtools.ui build|serve``: the ``hobopy ui`` commands without the ``hobopy`` script."""

from devtools.ui.cli import cli

cli(prog_name="python -m devtools.ui")
