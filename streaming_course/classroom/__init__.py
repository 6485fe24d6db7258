"""The classroom gateway: thirty laptops, one API key, which only the instructor's machine holds.

    $ streaming-course classroom tokens 30 --out tokens.txt     # one line per student
    $ streaming-course classroom serve --tokens tokens.txt      # listens on port 8765

Each student puts ``ANTHROPIC_BASE_URL=http://<instructor>:8765`` and their token as
``ANTHROPIC_API_KEY`` in `.env`; the course's live mode then runs through the gateway unchanged.
The gateway checks the token, applies the student's limits, swaps in the real key and relays
the reply byte for byte as it streams. When the API cannot be reached it answers from the
course's recordings, labelled as replay.

Modules: `tokens` (the tokens file), `limits` (limits and tallies), `wire` (headers, key
scrubbing, usage), `offline` (the replay answer), `app` (the ASGI app), `status` (the
instructor's view), `command` (the command line).
"""
