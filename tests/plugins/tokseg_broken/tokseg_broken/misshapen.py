"""A module that imports but breaks the provider contract: its NAME is not its entry-point name, and no fetch."""

NAME, TITLE = "something_else", "Misshapen"
SECRET = None
