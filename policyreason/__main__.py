from policyreason.cli import entry

raise SystemExit(entry())
