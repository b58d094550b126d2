"""The ``idp`` console script: the app built from the environment, with the commands of
``cli.py`` and ``idp serve`` (``serve.py``, which builds apps itself in each gunicorn worker);
a configuration that cannot work is one line and exit code 2."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from idp import cli, create_app
from idp.errors import ConfigError
from idp.serve import serve_command


def main() -> None:
    """Entry point of the ``idp`` console script."""

    def factory() -> Flask:
        try:
            return create_app()
        except ConfigError as error:
            click.echo(f"Configuration error: {error}", err=True)
            sys.exit(2)

    group = FlaskGroup(create_app=factory, add_default_commands=False, help=cli.__doc__)
    group.add_command(serve_command)
    group()
