"""``ecsdev render cloudformation -f LAYOUT``: the way back from the laptop to real ECS.

Why a module of its own: it is the one command that turns a layout into something for AWS; its
answer is a CloudFormation template (emulator.cfn.render) on stdout, or in ``-o FILE``, that
cfn-lint accepts and CloudFormation creates."""

from __future__ import annotations

from pathlib import Path

import click

from ecsdev.cli.base import FILE_OPT, cli, stack_ref


@cli.command()
@click.argument("target", type=click.Choice(["cloudformation"]), metavar="cloudformation")
@FILE_OPT
@click.option("-o", "--output", "out", metavar="FILE", help="Write the template here, not stdout.")
@click.option(
    "--existing-vpc", is_flag=True, help="Take the VPC and subnets as parameters, not create them."
)
def render(target: str, file: str | None, out: str | None, existing_vpc: bool) -> None:
    """Render a layout for real ECS: `render cloudformation` prints a CloudFormation template
    that deploys it (Fargate).

    Local-only settings (publish, images.build, headers.translate, cdn) are left out, with a
    comment saying so; locally built images become parameters."""
    from emulator.cfn.render import render_template

    ref = stack_ref(file, None, need_layout=True)
    assert ref.layout is not None
    text = render_template(ref.layout, existing_vpc=existing_vpc)
    if out:
        Path(out).write_text(text)
        click.echo(f"{out}: CloudFormation template for stack {ref.name!r}", err=True)
    else:
        click.echo(text, nl=False)
