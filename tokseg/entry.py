"""Console entry: segment calls go to the hot path before anything heavy is imported."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _reopen_closed_stdio()
    if argv[:1] == ["statusline"]:
        from tokseg import statusline

        return statusline.main(argv[1:])
    if argv[:2] == ["refresh", "--detached"]:
        _detach_stdio()
        if len(argv) == 2:  # the background refresher needs none of the CLI, so click is never loaded
            from tokseg import refresh

            return refresh.detached()
    from tokseg import hot

    opts = hot.parse_args(argv)
    if opts is not None and "_TOKSEG_COMPLETE" not in os.environ:  # a shell's <Tab> goes to click
        return hot.main(opts)
    from tokseg.cli import main as cli_main

    return cli_main(argv)


def _detach_stdio() -> None:
    """A background refresher must hold no host's pipe, whoever started it."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _reopen_closed_stdio() -> None:
    """Started with stdout or stderr closed (`tokseg >&-`), Python has no stream there: give it /dev/null,
    so the output goes nowhere quietly instead of ending in a traceback."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        if getattr(sys, name) is None:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, "w", encoding="utf-8", errors="replace", closefd=False))  # noqa: SIM115
