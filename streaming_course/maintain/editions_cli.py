"""The `editions` command: keep translated editions of the notebooks in step with English.

    $ streaming-course editions new ja
    $ streaming-course editions mark-translated ja 01_intro.ipynb intro setup-explained
    $ streaming-course editions sync ja
    $ streaming-course editions status
    $ streaming-course editions check --strict

Every verb takes `--root`, the `notebooks` folder (default: the one holding `en/`, searched
for upward from the current folder). Each verb's function takes the parsed arguments and
returns the exit code: 0 when all is well, 1 when `check` finds problems; when the command
cannot run it raises `CommandLineError`, which `streaming-course` prints as one line on stderr
saying why and what to do, with exit code 2.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from pathlib import Path

from ..commands.base import CommandLineError

# `editions` (with nbformat) is imported when a verb runs, not when the command line is
# built: nbformat takes over a second to import, and `streaming-course --help` need not wait.

Verb = Callable[[argparse.Namespace], int]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register `editions` and its verbs on the subcommands of the main parser.

    >>> parser = argparse.ArgumentParser(prog="streaming-course")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["editions", "check", "ja", "--strict"])
    >>> args.lang, args.strict
    ('ja', True)
    >>> exit_code = args.func(args)              # doctest: +SKIP
    """
    editions = subparsers.add_parser(
        "editions",
        help="keep translated notebook editions in step with notebooks/en",
        description="Keep translated editions of the notebooks in step with notebooks/en.",
    )
    verbs = editions.add_subparsers(dest="verb", required=True, metavar="VERB")

    show = _add_verb(verbs, "status", run_status, "show each edition's translation progress")
    show.add_argument("lang", nargs="?", help="one edition, e.g. ja (default: all)")

    test = _add_verb(verbs, "check", run_check, "fail (exit 1) if an edition drifted from English")
    test.add_argument("lang", nargs="?", help="one edition, e.g. ja (default: all)")
    test.add_argument("--strict", action="store_true", help="also fail on untranslated or stale")

    create = _add_verb(verbs, "new", run_new, "start an edition from notebooks/en")
    create.add_argument("lang", help="its language code, e.g. ja")

    update = _add_verb(verbs, "sync", run_sync, "bring an edition in step with notebooks/en")
    update.add_argument("lang", help="the edition, e.g. ja")

    mark = _add_verb(
        verbs, "mark-translated", run_mark_translated, "record Markdown cells as translated"
    )
    mark.add_argument("lang", help="the edition, e.g. ja")
    mark.add_argument("notebook", help="the notebook inside the edition, e.g. 01_intro.ipynb")
    mark.add_argument("cell_ids", nargs="+", metavar="CELL_ID", help="ids of translated cells")


def run_status(args: argparse.Namespace) -> int:
    """Print a table per edition: counts per notebook, then one line per problem."""
    from .editions import status

    root = _root(args)
    print("\n\n".join(str(status(root, lang)) for lang in _langs(root, args.lang)))
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Print each problem on one line; exit code 1 if there is any."""
    from .editions import check

    root = _root(args)
    failed = False
    for lang in _langs(root, args.lang):
        problems = check(root, lang, strict=args.strict)
        for problem in problems:
            print(problem)
        print(f"{lang}: {len(problems)} problems" if problems else f"{lang}: ok")
        failed = failed or bool(problems)
    return 1 if failed else 0


def run_new(args: argparse.Namespace) -> int:
    """Create the edition and say what to do next."""
    from .editions import new_edition

    root = _root(args)
    written = new_edition(root, args.lang)
    print(f"Created {root / args.lang} with {len(written)} notebooks. Translate Markdown cells,")
    print(f"then run: streaming-course editions mark-translated {args.lang} NOTEBOOK CELL_ID...")
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """Sync the edition and print what changed."""
    from .editions import sync

    print(sync(_root(args), args.lang))
    return 0


def run_mark_translated(args: argparse.Namespace) -> int:
    """Mark each named cell translated, one line per cell."""
    from .editions import mark_translated

    path = _root(args) / args.lang / args.notebook
    for cell_id in args.cell_ids:
        mark_translated(path, cell_id)
        print(f"{args.lang}/{args.notebook}: cell {cell_id} marked translated")
    return 0


def _add_verb(
    verbs: argparse._SubParsersAction, name: str, run: Verb, summary: str
) -> argparse.ArgumentParser:
    """Add verb `name`, run by `run`, with the `--root` option every verb has."""
    parser = verbs.add_parser(name, help=summary, description=summary)
    parser.add_argument(
        "--root",
        type=Path,
        help="the notebooks folder holding en/ (default: found upward from here)",
    )
    parser.set_defaults(func=_reporting_errors(run))
    return parser


def _reporting_errors(run: Verb) -> Verb:
    """`run`, but an `EditionError` becomes a `CommandLineError` (one line, exit code 2)."""

    @functools.wraps(run)
    def guarded(args: argparse.Namespace) -> int:
        from .editions import EditionError

        try:
            return run(args)
        except EditionError as error:
            raise CommandLineError(str(error)) from None

    return guarded


def _root(args: argparse.Namespace) -> Path:
    from .editions import find_notebooks_root

    return args.root or find_notebooks_root(Path.cwd())


def _langs(root: Path, lang: str | None) -> list[str]:
    """The edition asked for, or all of them."""
    from .editions import edition_langs

    if lang:
        return [lang]
    langs = edition_langs(root)
    if not langs:
        print(f"No editions in {root} yet; start one with: streaming-course editions new LANG")
    return langs
