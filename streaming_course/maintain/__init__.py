"""What only the course's maintainers run: never imported by the lessons.

`sources` and `converse_sources` write the shipped fixtures from TOML (`source_files` reads
those files), `recorder` records live exchanges, `notebooks` re-runs the lessons, and
`editions` with `editions_cli` keep the translated notebooks in step with the English ones,
and `diagrams` draws the figures in `images/`.
"""
