"""The commands of `streaming-course`, one module each; `streaming_course.cli` lists them.

Every command module has one public function, ``register(subparsers)``: it adds the
command's parser to the main parser's subcommands and sets ``func``, which takes the parsed
arguments and returns the exit code. For bad input a command raises `base.CommandLineError`
(or the package's `ConfigError` or `FixtureError`); `cli.main` prints every error the same
way, one line on stderr, and turns it into the exit code documented there.
"""
