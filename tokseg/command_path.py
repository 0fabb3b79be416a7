"""How a snippet should call tokseg: plain `tokseg` when it is on the PATH, else this install's full path.

Bars and prompts run the command in the snippet with their own PATH; a
tokseg installed in a virtualenv that is not on it would leave the bar at
`tok …` for ever with no error. `tokseg init` writes what this module
finds and says so when it had to write a full path; `doctor` reports it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

NAME = "tokseg"
# A path written into shell, tmux, TOML and JSON snippets as is: only characters none of them treat specially.
PLAIN_PATH = re.compile(r"^[A-Za-z0-9_./+\-]+$")
# `tokseg` where a snippet runs it: followed by an option, a redirection or a subcommand. Block names,
# aliases, variables and prose (`[tokseg]`, `%tokseg%`, `@tokseg`, "the tokseg segment") are left alone.
COMMAND_WORD = re.compile(r"(?<![\w@/.$*%\[\-])tokseg(?= (?:-|>|(?:refresh|show|statusline)\b))")
COMMENT = re.compile(r"^\s*(#|//|;|--)")
# A commented-out setting (`# command = "tokseg …"`) is code a user may uncomment: it is rewritten too.
COMMENTED_SETTING = re.compile(r"^\s*#\s*[\w.-]+\s*=")
INSTALL_HINT = "`pipx install .` from the clone (or `uv tool install .`) puts it on the PATH"


def on_path() -> str | None:
    """Where `tokseg` resolves on this process's PATH, or None."""
    return shutil.which(NAME)


def own_script() -> Path | None:
    """This install's `tokseg` script: the running one, or the one next to this Python."""
    for candidate in (Path(sys.argv[0]), Path(sys.executable).parent / NAME):
        if candidate.name == NAME and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.absolute()
    return None


def command() -> tuple[str, str | None]:
    """The command a snippet should use, and a warning when that is not plain `tokseg`."""
    if on_path():
        return NAME, None
    script = own_script()
    if script is None:
        return NAME, f"`{NAME}` is not on your PATH, so the snippet's `{NAME}` will not be found; {INSTALL_HINT}"
    if not PLAIN_PATH.match(str(script)):
        return NAME, (f"`{NAME}` is not on your PATH and {script} cannot be written into a snippet as is "
                      f"(spaces or quotes); {INSTALL_HINT}")
    return str(script), (f"`{NAME}` is not on your PATH, so the snippet calls {script}; {INSTALL_HINT} "
                         "and keeps the snippet short")


def rewrite(snippet: str, program: str) -> str:
    """`snippet` with each command use of `tokseg` (outside prose comments) replaced by `program`."""
    if program == NAME:
        return snippet
    lines = snippet.splitlines(keepends=True)
    return "".join(line if COMMENT.match(line) and not COMMENTED_SETTING.match(line)
                   else COMMAND_WORD.sub(program, line) for line in lines)
