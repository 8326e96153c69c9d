"""One module per bench item, each the measurement behind the figures it prints: bench/run.py's
items 1-6, bench/files.py's steps, bench/attendance_bulk.py and bench/attacks.py's attacks."""
