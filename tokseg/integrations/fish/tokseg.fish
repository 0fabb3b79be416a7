# tokseg in the fish prompt, with no process per prompt: the refresher
# writes the rendered segment to a file and the prompt reads it with the
# `read` builtin. Save as ~/.config/fish/conf.d/tokseg.fish.
if test -n "$TOKSEG_HOME"
    set -g _tokseg_dir $TOKSEG_HOME/cache
else if test -n "$XDG_CACHE_HOME"
    set -g _tokseg_dir $XDG_CACHE_HOME/tokseg
else
    set -g _tokseg_dir $HOME/.cache/tokseg
end
set -g _tokseg_prompts 0
set -g _tokseg_kicked 0

function _tokseg_kick --argument-names file due --description 'start tokseg in the background when a refresh is due'
    # fish has no clock builtin, but `path mtime` (fish 3.5+) tells the file's epoch and its age: their sum is now.
    set -l now
    if builtin -q path; and test -f $file
        set now (math (path mtime $file) + (path mtime --relative $file))
    end
    if test -z "$now"
        # Older fish or no file yet: every 30th prompt, let tokseg decide.
        set _tokseg_prompts (math $_tokseg_prompts + 1)
        test (math $_tokseg_prompts % 30) -eq 1; or return
    else
        string match -qr '^[0-9]+$' -- $due; or set due 0
        test $now -gt $due -a (math $now - $_tokseg_kicked) -gt 60; or return
        set -g _tokseg_kicked $now
    end
    command sh -c 'tokseg >/dev/null 2>&1 &'
end

# Lines 3 on: `folder<tab>segment` for each project folder whose segment differs ({NAME.project});
# the deepest folder holding $PWD (or the real path it leads to) wins. Reads the rest of stdin.
function _tokseg_project
    set -l real $PWD
    builtin -q path; and set real (path resolve $PWD)
    set -l best 0
    while read -l line
        set -l parts (string split -m 1 \t -- $line)
        set -q parts[2]; or continue
        set -l n (string length -- $parts[1])
        test $n -gt $best; or continue
        for here in $PWD $real
            if test "$here" = $parts[1]; or string match -q -- "$parts[1]/*" $here
                set -g _tokseg_text $parts[2]
                set best $n
                break
            end
        end
    end
end

# The segment and when it is due, from `file` (`read` is a builtin: no process).
function _tokseg_read --argument-names file
    set -g _tokseg_text ''
    set -l due 0
    test -r $file; and begin
        read _tokseg_text; read due
        _tokseg_project
    end < $file
    _tokseg_kick $file $due
end

function _tokseg_segment --description 'print the tokseg segment'
    _tokseg_read $_tokseg_dir/segment.fish
    printf '%s' $_tokseg_text
end

# Under starship (its init exports STARSHIP_SHELL): hand its env_var module the text before each prompt.
function _tokseg_starship --on-event fish_prompt --description 'export the tokseg segment for starship'
    test "$STARSHIP_SHELL" = fish; or return
    _tokseg_read $_tokseg_dir/segment.starship
    if test -n "$_tokseg_text"
        set -gx TOKSEG_STARSHIP $_tokseg_text
    else
        set -e TOKSEG_STARSHIP
    end
end

# The right prompt, unless one is already defined (starship's, your own: call _tokseg_segment from it).
if not functions -q fish_right_prompt
    function fish_right_prompt
        _tokseg_segment
    end
end
