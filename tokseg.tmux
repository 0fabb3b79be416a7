#!/bin/sh
# tokseg as a tmux plugin for TPM: `set -g @plugin 'GIT-URL'` in ~/.tmux.conf, then prefix + I.
# TPM runs this file inside tmux; it applies the snippet `tokseg init tmux` prints (append to
# status-right once, one refresh loop), so the plugin and the snippet never differ.
# Options, set before TPM's `run` line: @tokseg-max-width (default 60).

tokseg=$(command -v tokseg) || tokseg="$HOME/.local/bin/tokseg"
if [ ! -x "$tokseg" ]; then
    tmux display-message "tokseg: command not found on PATH or in ~/.local/bin; install tokseg (see its README)" 2>/dev/null
    exit 0
fi
"$tokseg" init tmux | tmux source-file -
