"""Every host tokseg knows, one entry each: `render`, `init`, the config, push and doctor read it from here.

A host is whatever reads tokseg's output or may run it: a status bar, a
prompt, a script reading `--json`, a config that starts a bar (i3, sway)
or the refresher (systemd). An entry's keys:

    renderer  the module behind `--format NAME` (contract: `tokseg.render`), or None
    snippet   the file in `tokseg/integrations/NAME/` that `tokseg init NAME` prints, or None
    colors    the `[settings.colors.TABLE]` its renderer paints state colours from, or None
              when its output carries no colour (waybar styles CSS classes, starship its `style`)
    push      how the refresher updates the host after each refresh, or None (it polls):
              via       prompt_file  write `target` in the cache folder: the segment, then the epoch
                                     second it is due (read by a shell builtin)
                        text_file    write `target`: the segment alone (i3status `read_file`)
                        tmux_option  set the user option `target` on every tmux server of the user
                        polybar_ipc  `polybar-msg action TARGET send …` to a `custom/ipc` module
                        named_pipe   write the segment as one line into the FIFO `target` in the cache
                                     folder, if it exists and is read (xmobar's `PipeReader`)
                        signal       `pkill -RTMIN+N -x TARGET`, N the setting, to re-run its command
              setting   the `[settings.push]` key that turns it on or off, with its `default`
              format    the format rendered for it (None for a signal: the host re-runs tokseg)
    configs   host config files doctor scans for a line naming tokseg: `~/…` in the home folder,
              `@/…` in the XDG config folder, `$VAR` the path in that environment variable

Sorted by name. Hot path (the `--format` names come from here): plain literals, no imports.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypedDict

    class Push(TypedDict):
        via: str
        setting: str
        default: bool | int
        target: str
        format: str | None

    class Host(TypedDict):
        renderer: str | None
        snippet: str | None
        colors: str | None
        push: Push | None
        configs: tuple[str, ...]

HOSTS: dict[str, Host] = {
    "bash": {"renderer": "tokseg.render.bash", "snippet": "tokseg.bash", "colors": "bash",
             "push": {"via": "prompt_file", "setting": "files", "default": True, "target": "segment.bash",
                      "format": "bash"},
             "configs": ("~/.bashrc", "~/.bash_profile")},
    "fish": {"renderer": "tokseg.render.fish", "snippet": "tokseg.fish", "colors": "fish",
             "push": {"via": "prompt_file", "setting": "files", "default": True, "target": "segment.fish",
                      "format": "fish"},
             "configs": ("@/fish/config.fish", "@/fish/conf.d/tokseg.fish")},
    "i3": {"renderer": None, "snippet": None, "colors": None, "push": None, "configs": ("@/i3/config",)},
    "i3bar": {"renderer": "tokseg.render.i3bar", "snippet": None, "colors": "i3bar", "push": None, "configs": ()},
    "i3blocks": {"renderer": "tokseg.render.i3blocks", "snippet": "i3blocks.conf", "colors": "i3bar",
                 "push": {"via": "signal", "setting": "i3blocks_signal", "default": 0, "target": "i3blocks",
                          "format": None},
                 "configs": ("@/i3blocks/config", "~/.i3blocks.conf")},
    "i3status": {"renderer": None, "snippet": "i3status.conf", "colors": None,
                 "push": {"via": "text_file", "setting": "files", "default": True, "target": "segment.txt",
                          "format": "plain"},
                 "configs": ("@/i3status/config",)},
    "i3status-rust": {"renderer": None, "snippet": None, "colors": None, "push": None,
                      "configs": ("@/i3status-rust/config.toml",)},
    "json": {"renderer": "tokseg.render.jsonout", "snippet": None, "colors": None, "push": None, "configs": ()},
    "plain": {"renderer": "tokseg.render.plain", "snippet": None, "colors": None, "push": None, "configs": ()},
    "polybar": {"renderer": "tokseg.render.polybar", "snippet": "config.ini", "colors": "polybar",
                "push": {"via": "polybar_ipc", "setting": "polybar", "default": True, "target": "tokseg",
                         "format": "polybar"},
                "configs": ("@/polybar/config", "@/polybar/config.ini")},
    "starship": {"renderer": "tokseg.render.starship", "snippet": "starship.toml", "colors": None,
                 "push": {"via": "prompt_file", "setting": "files", "default": True, "target": "segment.starship",
                          "format": "starship"},
                 "configs": ("@/starship.toml", "$STARSHIP_CONFIG")},
    "sway": {"renderer": None, "snippet": None, "colors": None, "push": None, "configs": ("@/sway/config",)},
    "systemd": {"renderer": None, "snippet": None, "colors": None, "push": None,
                "configs": ("@/systemd/user/tokseg.service", "@/systemd/user/tokseg.timer")},
    "tmux": {"renderer": "tokseg.render.tmux", "snippet": "tokseg.tmux.conf", "colors": "tmux",
             "push": {"via": "tmux_option", "setting": "tmux", "default": True, "target": "@tokseg",
                      "format": "tmux"},
             "configs": ("~/.tmux.conf", "@/tmux/tmux.conf")},
    "waybar": {"renderer": "tokseg.render.waybar", "snippet": "config.jsonc", "colors": "waybar",
               "push": {"via": "signal", "setting": "waybar_signal", "default": 0, "target": "waybar",
                        "format": None},
               "configs": ("@/waybar/config", "@/waybar/config.jsonc")},
    "xmobar": {"renderer": "tokseg.render.xmobar", "snippet": "xmobarrc", "colors": "xmobar",
               "push": {"via": "named_pipe", "setting": "xmobar", "default": True, "target": "xmobar.pipe",
                        "format": "xmobar"},
               "configs": ("~/.xmobarrc", "~/.xmobar/xmobarrc", "@/xmobar/xmobarrc", "@/xmobar/xmobar.hs")},
    "zsh": {"renderer": "tokseg.render.zsh", "snippet": "tokseg.zsh", "colors": "zsh",
            "push": {"via": "prompt_file", "setting": "files", "default": True, "target": "segment.zsh",
                     "format": "zsh"},
            "configs": ("~/.zshrc",)},
}
