"""The course's diagrams (`images/*.png`), drawn with matplotlib from scratch: no external images.

    $ streaming-course diagrams                  # English and Japanese, into images/
    $ streaming-course diagrams --lang ja        # only images/ja/
    $ python scripts/draw_diagrams.py --out /tmp/imgs

So the notebooks' figures can be rebuilt, reviewed and translated like code: `look` (sizes,
colours, each language's words and fonts), `shapes` (boxes, arrows, text), one module per
diagram, and `render` (draw them all, deterministically).
"""
