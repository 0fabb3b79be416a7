# tokseg in the zsh prompt, with no process per prompt: the refresher
# writes the rendered segment to a file and a precmd hook reads it with the
# `read` builtin. Add to ~/.zshrc.
zmodload zsh/datetime 2>/dev/null
typeset -g TOKSEG= _tokseg_kicked=0
typeset -g _tokseg_dir=${TOKSEG_HOME:+$TOKSEG_HOME/cache}
_tokseg_dir=${_tokseg_dir:-${XDG_CACHE_HOME:-$HOME/.cache}/tokseg}
_tokseg_precmd() {
    local rc=$? due=0 file=segment.zsh
    TOKSEG=
    # Under starship (its init exports STARSHIP_SHELL): hand its env_var module the text instead.
    [[ ${STARSHIP_SHELL-} == zsh ]] && file=segment.starship
    local root text best=0 real=${PWD:A}
    # Lines 3 on: `folder<tab>segment` for each project folder whose segment differs ({NAME.project});
    # the deepest folder holding $PWD (or the real path it leads to) wins.
    { IFS= read -r TOKSEG; IFS= read -r due
      while IFS=$'\t' read -r root text; do
        if (( ${#root} > best )) && [[ $PWD == "$root" || $PWD == "$root"/* || $real == "$root" || $real == "$root"/* ]]
        then TOKSEG=$text best=${#root}; fi
      done } 2>/dev/null < $_tokseg_dir/$file
    if [[ $file == segment.starship ]]; then
        if [[ -n $TOKSEG ]]; then export TOKSEG_STARSHIP=$TOKSEG; else unset TOKSEG_STARSHIP; fi
        TOKSEG=
    fi
    [[ $due == <-> ]] || due=0
    # Due and not refreshed by any bar: ask tokseg once, in the background.
    if (( EPOCHSECONDS > due && EPOCHSECONDS - _tokseg_kicked > 60 )); then
        _tokseg_kicked=$EPOCHSECONDS
        tokseg >/dev/null 2>&1 &!
    fi
    return rc
}
autoload -Uz add-zsh-hook
add-zsh-hook precmd _tokseg_precmd
setopt prompt_subst
RPROMPT='${TOKSEG}'"${RPROMPT:+ $RPROMPT}"
