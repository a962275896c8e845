import click


@click.group()
def main():
    """hobopy developer commands."""
