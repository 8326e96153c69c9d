"""Files shaped like the ones provinces and meeting platforms really send, built from made-up people.

Each module builds one family of files (rosters, platform reports, score sheets) as bytes, with the
outcome the tests assert. `python -m tests.corpus.build DIR` writes them all out to look at in a
spreadsheet program. No real person's data is in them: names are drawn from common Vietnamese
family, middle and given names, and identification numbers are made up (with valid structure).
"""
