"""The one exception dbctl turns into a readable message and a non-zero exit code."""

import click


class DbctlError(click.ClickException):
    """An error the user can act on: the message names the file, the object and the fix."""

    def show(self, file=None):
        click.echo(f"dbctl: {self.format_message()}", err=True, file=file)
