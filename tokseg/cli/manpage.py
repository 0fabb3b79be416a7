"""`tokseg --help-man`: the man page, written from the same click help `--help` prints.

Generated on demand rather than kept as a file, so it can never fall behind
the commands: every command and option with its help text, in the `man(7)`
macros that groff and mandoc both read. Put it where `man` looks:
`tokseg --help-man > ~/.local/share/man/man1/tokseg.1`.
"""

from __future__ import annotations

import inspect

import click

from tokseg import __version__

ENVIRONMENT = (
    ("TOKSEG_HOME", "one folder for config, cache and state instead of the XDG folders (tests, the demo)"),
    ("TOKSEG_CONFIG", "the config file to read instead of config.toml in the config folder"),
    ("XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_STATE_HOME", "where the config, the snapshot and the history live"),
)
SEE_ALSO = "tmux(1), starship(1), waybar(5), polybar(1), i3status(1), i3blocks(1)"


def roff(text: str) -> str:
    """Text made literal for roff: backslashes and hyphens escaped, no line read as a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(f"\\&{line}" if line.startswith((".", "'")) else line for line in text.splitlines())


def paragraphs(help_text: str) -> list[str]:
    """click help split into paragraphs; one marked with click's \\b keeps its lines as written."""
    out = []
    for block in inspect.cleandoc(help_text).split("\n\n"):
        if block.startswith("\b\n"):
            out.append(".nf\n" + roff(block[2:]) + "\n.fi")
        else:
            out.append(roff(" ".join(block.split())))
    return out


def options(command: click.Command, ctx: click.Context) -> list[str]:
    lines = []
    for param in command.get_params(ctx):
        if param.name == "help" and ctx.parent is not None:  # said once, for tokseg itself
            continue
        record = param.get_help_record(ctx)
        if record and (record[1] or isinstance(param, click.Option)):  # an argument without help is in the usage
            names, help_text = record
            lines += [".TP", f"\\fB{roff(names)}\\fR", roff(help_text) or "\\&"]
    return lines


def command_section(command: click.Command, ctx: click.Context) -> list[str]:
    """One command's heading (its usage), help and options; a group's commands follow it."""
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines = [f'.SS "{roff(ctx.command_path)} {roff(usage)}"']
    for paragraph in paragraphs(command.help or command.short_help or ""):
        lines += [".PP", paragraph]
    lines += options(command, ctx)
    for paragraph in paragraphs(command.epilog or ""):
        lines += [".PP", paragraph]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                lines += command_section(sub, click.Context(sub, info_name=name, parent=ctx))
    return lines


def render(root: click.Group) -> str:
    """The whole page for `root`, the `tokseg` group."""
    ctx = click.Context(root, info_name="tokseg")
    summary, *rest = paragraphs(root.help or "")
    lines = [f'.TH TOKSEG 1 "" "tokseg {__version__}" "User Commands"', ".SH NAME", f"tokseg \\- {summary}",
             ".SH SYNOPSIS", f"\\fBtokseg\\fR {roff(' '.join(root.collect_usage_pieces(ctx)))}",
             ".SH DESCRIPTION"]
    for paragraph in rest:
        lines += [".PP", paragraph]
    lines += [".SH OPTIONS", *options(root, ctx), ".SH COMMANDS"]
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        if command is not None and not command.hidden:
            lines += command_section(command, click.Context(command, info_name=name, parent=ctx))
    lines.append(".SH ENVIRONMENT")
    for variable, meaning in ENVIRONMENT:
        lines += [".TP", f"\\fB{roff(variable)}\\fR", roff(meaning)]
    lines += [".SH SEE ALSO", roff(SEE_ALSO)]
    return "\n".join(lines) + "\n"

