# tokseg in the fish prompt, with no process per prompt: the refresher
# writes the rendered segment to a file and the prompt reads it with the
# `read` builtin. Save as ~/.config/fish/conf.d/tokseg.fish.
if test -n "$TOKSEG_HOME"
    set -g _tokseg_file $TOKSEG_HOME/cache/segment.fish
else if test -n "$XDG_CACHE_HOME"
    set -g _tokseg_file $XDG_CACHE_HOME/tokseg/segment.fish
else
    set -g _tokseg_file $HOME/.cache/tokseg/segment.fish
end
set -g _tokseg_prompts 0

function _tokseg_segment --description 'print the tokseg segment'
    set -l seg ''
    test -r $_tokseg_file; and read seg < $_tokseg_file
    printf '%s' $seg
    # fish has no clock builtin: every 30th prompt let tokseg start a refresh if one is due.
    set _tokseg_prompts (math $_tokseg_prompts + 1)
    if test (math $_tokseg_prompts % 30) -eq 1
        command sh -c 'tokseg >/dev/null 2>&1 &'
    end
end

function fish_right_prompt
    _tokseg_segment
end
