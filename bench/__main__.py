"""`python -m bench [--quick] [--only NAME]...`: run the benchmarks and print their tables (see README)."""

import sys

import click

from bench import adk_service, assistant, background, films, langgraph, memory, retention

BENCHMARKS = {"films": films, "adk_service": adk_service, "retention": retention, "assistant": assistant,
              "background": background, "memory": memory, "langgraph": langgraph}


@click.command()
@click.option("--quick", is_flag=True, help="Small sizes: a smoke run in well under two minutes.")
@click.option("--only", "names", multiple=True, type=click.Choice(sorted(BENCHMARKS)),
              help="Run only this benchmark (repeatable); default: all, in the order listed.")
def main(quick, names):
    for name, module in BENCHMARKS.items():
        if not names or name in names:
            click.echo(module.run(quick).render())
            click.echo()


if __name__ == "__main__":
    sys.exit(main())
