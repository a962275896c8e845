"""``hobopy db``: the table's commands, the project's data files and table operations."""
