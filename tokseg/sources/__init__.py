"""Local sources: coding agents' own logs, read incrementally and priced offline.

Each public module here is a provider like any other (registered in
`tokseg.providers.PROVIDERS`, same `fetch(ctx) -> Reading` contract) whose
data comes from files instead of HTTP. It lists its inputs, parses them
into rows, and hands both to the shared parts:

- `_index`: one account's index of rows (per input and key, winners per
  key across inputs) and the `RowSource` interface readers implement;
- readers: `_tail` (append-only JSONL, read from the last offset),
  `_whole` (files rewritten whole, read again when they change),
  `_sqlite` (a table of another tool's database, opened read-only);
- `_spend`: prices rows by their vendor and sums today / month / 5-hour block.

Refresher only: they import sqlite3 and the price table, which the hot path never does.
"""
