"""Local sources: coding agents' own log files, read incrementally and priced offline.

Each module here is a provider like any other (registered in
`tokseg.providers.PROVIDERS`, same `fetch(ctx) -> Reading` contract) whose
data comes from files instead of HTTP. Refresher only: they import sqlite3
and the price table, which the hot path never does.
"""
