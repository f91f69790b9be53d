"""`python -m bench [--quick]`: run the benchmarks and print their tables (see README)."""

import sys

import click

from bench import adk_service, assistant, background, films, memory, retention


@click.command()
@click.option("--quick", is_flag=True, help="Small sizes: a smoke run in well under two minutes.")
def main(quick):
    for module in (films, adk_service, retention, assistant, background, memory):
        click.echo(module.run(quick).render())
        click.echo()


if __name__ == "__main__":
    sys.exit(main())
