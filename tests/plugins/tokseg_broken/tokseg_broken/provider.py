"""A plugin whose dependency is missing: importing it fails, with terminal escapes and a line break in the text."""

raise ImportError("tokseg-broken needs the acme-sdk package\x1b[2J\x1b[31m (pip install acme-sdk)\nsecond line")
