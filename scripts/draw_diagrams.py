"""Draw the course's diagrams as PNGs (the same as `streaming-course diagrams`).

    python scripts/draw_diagrams.py                  # English and Japanese, into images/
    python scripts/draw_diagrams.py --lang ja        # only images/ja/
    python scripts/draw_diagrams.py --out /tmp/imgs  # somewhere else

The drawing lives in `streaming_course/maintain/diagrams/`; the words in the message
catalogs' ``[diagrams]`` section; the fonts in `streaming_course/fonts.py`.
"""

from __future__ import annotations

from streaming_course.maintain.diagrams.render import main

if __name__ == "__main__":
    raise SystemExit(main())
