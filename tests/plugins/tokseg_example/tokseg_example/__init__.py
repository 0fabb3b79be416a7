"""An example tokseg provider plugin; the provider itself is `tokseg_example.provider`."""
