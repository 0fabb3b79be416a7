"""`tokseg top`, the live dashboard: a reader of the snapshot and the history, like the segment.

`board` gathers what there is to show (never calling a provider or the
keyring), `frames` turns it into lines of text for each view, `chart` draws
the daily cost, `demo_home` builds the synthetic home of `--demo`, and `app`
is the Textual application: the only module that imports the TUI library,
so `--once` and the tests of the frames work without it.
"""
