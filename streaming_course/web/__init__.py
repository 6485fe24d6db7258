"""The web lesson's app: a page that shows a reply as it streams, and the relay behind it.

    $ streaming-course web                  # http://127.0.0.1:8000, replay without a key

- `app`: the Starlette app, the page at ``/`` and ``POST /api/stream``;
- `relay`: the SDK's stream, read by `events.aread_events`, sent on as server-sent events;
- `server`: uvicorn in the foreground, or in a thread (`BackgroundServer`) for notebooks;
- `static/`: the page (plain HTML and JavaScript, no build step).
"""
