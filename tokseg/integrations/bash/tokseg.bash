# tokseg in the bash prompt, with no process per prompt: the refresher
# writes the rendered segment to a file and PROMPT_COMMAND reads it with
# the `read` builtin. Add to ~/.bashrc (after any theme that sets PS1,
# before starship's init line if you use starship).
_tokseg_dir=${TOKSEG_HOME:+$TOKSEG_HOME/cache}
_tokseg_dir=${_tokseg_dir:-${XDG_CACHE_HOME:-$HOME/.cache}/tokseg}
_tokseg_kicked=0
_tokseg_prompt() {
    local rc=$? due=0 now file=segment.bash root text best=0
    TOKSEG=
    # Under starship (its init exports STARSHIP_SHELL): hand its env_var module the text instead.
    [[ ${STARSHIP_SHELL-} == bash ]] && file=segment.starship
    # Lines 3 on: `folder<tab>segment` for each project folder whose segment differs ({NAME.project});
    # the deepest folder holding $PWD wins (bash has no builtin for the real path behind a symlink).
    { IFS= read -r TOKSEG; IFS= read -r due
      while IFS=$'\t' read -r root text; do
        if (( ${#root} > best )) && [[ $PWD == "$root" || $PWD == "$root"/* ]]; then TOKSEG=$text best=${#root}; fi
      done; } 2>/dev/null < "$_tokseg_dir/$file"
    if [[ $file == segment.starship ]]; then
        if [[ -n $TOKSEG ]]; then export TOKSEG_STARSHIP=$TOKSEG; else unset TOKSEG_STARSHIP; fi
        TOKSEG=
    fi
    [[ $due =~ ^[0-9]+$ ]] || due=0
    printf -v now '%(%s)T' -1
    # Due and not refreshed by any bar: ask tokseg once, in the background.
    if (( now > due && now - _tokseg_kicked > 60 )); then
        _tokseg_kicked=$now
        (tokseg >/dev/null 2>&1 &)
    fi
    return $rc  # the next PROMPT_COMMAND part (a theme, starship) still sees the command's status
}
PROMPT_COMMAND="_tokseg_prompt${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
PS1='${TOKSEG:+$TOKSEG }'"${PS1:-\\\$ }"
