"""Translated editions: status, check, new, sync and mark-translated on small notebooks."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from streaming_course.cli import main
from streaming_course.maintain.editions import (
    Action,
    EditionError,
    Kind,
    check,
    edition_langs,
    find_notebooks_root,
    mark_translated,
    new_edition,
    source_hash,
    status,
    sync,
)

INTRO = "01_intro.ipynb"
EVENTS = "02_events.ipynb"


# ---------------------------------------------------------------------------------------------
# Building and reading notebooks


def markdown(cell_id: str, text: str) -> NotebookNode:
    return new_markdown_cell(text, id=cell_id)


def code(cell_id: str, text: str) -> NotebookNode:
    output = new_output("stream", name="stdout", text=f"output of {cell_id}\n")
    return new_code_cell(text, id=cell_id, execution_count=1, outputs=[output])


def write_notebook(path: Path, cells: list[NotebookNode]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), path)


def read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def cell(path: Path, cell_id: str) -> NotebookNode:
    return next(cell for cell in read(path).cells if cell.id == cell_id)


def edit(path: Path, change: Callable[[list[NotebookNode]], None]) -> None:
    """Let `change` edit the notebook's list of cells in place, then save it."""
    notebook = read(path)
    change(notebook.cells)
    nbformat.write(notebook, path)


def set_source(path: Path, cell_id: str, text: str) -> None:
    def change(cells: list[NotebookNode]) -> None:
        next(cell for cell in cells if cell.id == cell_id).source = text

    edit(path, change)


def translation_of(cell_id: str, english_text: str) -> str:
    return f"[ja {cell_id}] {english_text}"


def translate(root: Path, name: str, cell_id: str) -> str:
    """Translate a cell of the ja edition the way a translator would; return the new text."""
    text = translation_of(cell_id, cell(root / "en" / name, cell_id).source)
    set_source(root / "ja" / name, cell_id, text)
    mark_translated(root / "ja" / name, cell_id)
    return text


def record(path: Path, cell_id: str) -> dict[str, str]:
    return cell(path, cell_id).metadata["edition"]


def found(problems: list) -> set[tuple[Kind, str | None]]:
    return {(problem.kind, problem.where.cell_id) for problem in problems}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A notebooks folder with two English notebooks and no edition yet."""
    notebooks = tmp_path / "notebooks"
    write_notebook(
        notebooks / "en" / INTRO,
        [
            markdown("intro", "# Streaming\n\nWatch the answer arrive word by word."),
            code("setup", "client = make_client()"),
            markdown("explain", "Each event carries a small piece of the text."),
            code("run", "for event in stream:\n    print(event)"),
            new_raw_cell("raw text, copied verbatim", id="raw"),
        ],
    )
    write_notebook(
        notebooks / "en" / EVENTS,
        [markdown("events", "# Events"), code("list-events", "print(events)")],
    )
    return notebooks


@pytest.fixture
def edition(root: Path) -> Path:
    """The same notebooks folder with a fresh ja edition."""
    new_edition(root, "ja")
    return root


def translate_everything(root: Path) -> None:
    for name, cell_ids in ((INTRO, ["intro", "explain"]), (EVENTS, ["events"])):
        for cell_id in cell_ids:
            translate(root, name, cell_id)


# ---------------------------------------------------------------------------------------------
# A new edition


def test_new_edition_passes_check_but_strict_check_names_untranslated_cells(edition: Path):
    assert check(edition, "ja") == []
    assert found(check(edition, "ja", strict=True)) == {
        (Kind.UNTRANSLATED, "intro"),
        (Kind.UNTRANSLATED, "explain"),
        (Kind.UNTRANSLATED, "events"),
    }


def test_new_edition_copies_text_clears_outputs_and_records_hashes(edition: Path):
    english, ja = read(edition / "en" / INTRO), read(edition / "ja" / INTRO)
    assert [c.id for c in ja.cells] == [c.id for c in english.cells]
    assert [c.source for c in ja.cells] == [c.source for c in english.cells]
    setup = cell(edition / "ja" / INTRO, "setup")
    assert setup.outputs == [] and setup.execution_count is None
    assert record(edition / "ja" / INTRO, "intro") == {
        "source_hash": source_hash(english.cells[0].source),
        "status": "untranslated",
    }


def test_new_refuses_an_existing_edition(edition: Path):
    with pytest.raises(EditionError, match="already exists; update it with"):
        new_edition(edition, "ja")


def test_the_source_is_not_an_edition(root: Path):
    with pytest.raises(EditionError, match="not an edition"):
        new_edition(root, "en")


def test_translating_every_cell_makes_the_strict_check_pass(edition: Path):
    translate_everything(edition)

    assert check(edition, "ja", strict=True) == []
    assert record(edition / "ja" / INTRO, "intro")["status"] == "translated"


# ---------------------------------------------------------------------------------------------
# Changes to the English source


def test_edited_english_markdown_makes_its_translation_stale(edition: Path):
    translate_everything(edition)
    set_source(edition / "en" / INTRO, "explain", "Each event carries a delta of the text.")

    assert check(edition, "ja") == []
    [problem] = check(edition, "ja", strict=True)
    assert (problem.kind, problem.where.cell_id, problem.where.index) == (Kind.STALE, "explain", 2)
    assert str(problem) == (
        'ja/01_intro.ipynb, cell 2 (id explain): stale "Each event carries a delta of the text."'
    )


def test_sync_marks_a_stale_translation_and_keeps_its_text_and_old_hash(edition: Path):
    translated = translate(edition, INTRO, "explain")
    old_hash = record(edition / "ja" / INTRO, "explain")["source_hash"]
    set_source(edition / "en" / INTRO, "explain", "New English text.")

    report = sync(edition, "ja")

    assert [change.action for change in report.changes] == [Action.MARKED_STALE]
    assert cell(edition / "ja" / INTRO, "explain").source == translated
    assert record(edition / "ja" / INTRO, "explain") == {"source_hash": old_hash, "status": "stale"}
    mark_translated(edition / "ja" / INTRO, "explain")
    assert (Kind.STALE, "explain") not in found(check(edition, "ja", strict=True))


def test_an_added_english_code_cell_is_drift_until_sync(edition: Path):
    translate_everything(edition)
    before = read(edition / "ja" / INTRO)
    edit(edition / "en" / INTRO, lambda cells: cells.insert(2, code("new", "print('hi')")))

    assert found(check(edition, "ja")) == {(Kind.CELL_MISSING, "new")}
    sync(edition, "ja")

    assert check(edition, "ja", strict=True) == []
    after = read(edition / "ja" / INTRO)
    assert [c.id for c in after.cells] == [c.id for c in read(edition / "en" / INTRO).cells]
    old_markdown = [c for c in before.cells if c.cell_type == "markdown"]
    new_markdown = [c for c in after.cells if c.cell_type == "markdown"]
    assert new_markdown == old_markdown  # text and metadata (the status) untouched


def test_a_changed_english_code_cell_is_drift_until_sync(edition: Path):
    set_source(edition / "en" / INTRO, "run", "for event in stream:\n    print(event.type)")
    ja_output = new_output("stream", name="stdout", text="出力\n")
    edit(edition / "ja" / INTRO, lambda cells: cells[1].outputs.append(ja_output))
    kept_outputs = cell(edition / "ja" / INTRO, "setup").outputs

    assert found(check(edition, "ja")) == {(Kind.CODE_DIFFERS, "run")}
    report = sync(edition, "ja")

    assert [change.action for change in report.changes] == [Action.CODE_REPLACED]
    assert check(edition, "ja") == []
    assert cell(edition / "ja" / INTRO, "run").source == cell(edition / "en" / INTRO, "run").source
    assert cell(edition / "ja" / INTRO, "setup").outputs == kept_outputs


def test_a_deleted_english_cell_keeps_its_translation_orphaned(edition: Path):
    translated = translate(edition, INTRO, "explain")
    edit(edition / "en" / INTRO, lambda cells: cells.pop(2))

    assert found(check(edition, "ja")) == {(Kind.CELL_ADDED, "explain")}
    report = sync(edition, "ja")

    assert [change.action for change in report.changes] == [Action.ORPHANED]
    orphan = cell(edition / "ja" / INTRO, "explain")
    assert orphan.source == translated and orphan.metadata["edition"]["status"] == "orphaned"
    assert found(check(edition, "ja")) == {(Kind.ORPHANED, "explain")}
    edit(edition / "ja" / INTRO, lambda cells: cells.pop(2))  # a human deletes it
    assert check(edition, "ja") == []


def test_deleted_english_code_and_untranslated_cells_are_removed(edition: Path):
    def drop_setup_and_explain(cells: list[NotebookNode]) -> None:
        del cells[1:3]

    edit(edition / "en" / INTRO, drop_setup_and_explain)

    report = sync(edition, "ja")

    assert [change.action for change in report.changes] == [Action.CELL_REMOVED] * 2
    assert [c.id for c in read(edition / "ja" / INTRO).cells] == ["intro", "run", "raw"]


def test_an_untranslated_cell_follows_english_unless_a_translator_began(edition: Path):
    set_source(edition / "ja" / INTRO, "explain", "[ja] 下書き")
    set_source(edition / "en" / INTRO, "intro", "# Streaming, revised")
    set_source(edition / "en" / INTRO, "explain", "Revised explanation.")

    sync(edition, "ja")

    assert cell(edition / "ja" / INTRO, "intro").source == "# Streaming, revised"
    assert cell(edition / "ja" / INTRO, "explain").source == "[ja] 下書き"
    assert check(edition, "ja") == []


def test_sync_restores_the_english_order_and_ids(edition: Path):
    translate_everything(edition)

    def shuffle(cells: list[NotebookNode]) -> None:
        cells.reverse()
        cells.insert(1, markdown("fresh", "A new paragraph."))

    edit(edition / "en" / INTRO, shuffle)
    assert Kind.CELL_MOVED in {problem.kind for problem in check(edition, "ja")}

    report = sync(edition, "ja")

    english_ids = [c.id for c in read(edition / "en" / INTRO).cells]
    assert [c.id for c in read(edition / "ja" / INTRO).cells] == english_ids
    assert Action.CELL_MOVED in {change.action for change in report.changes}
    assert found(check(edition, "ja", strict=True)) == {(Kind.UNTRANSLATED, "fresh")}


def test_a_retyped_cell_is_replaced_and_its_translation_orphaned(edition: Path):
    translated = translate(edition, INTRO, "explain")

    def make_explain_code(cells: list[NotebookNode]) -> None:
        cells[2] = code("explain", "x = 1")

    edit(edition / "en" / INTRO, make_explain_code)

    assert found(check(edition, "ja")) == {(Kind.CELL_TYPE_DIFFERS, "explain")}
    sync(edition, "ja")

    ja = read(edition / "ja" / INTRO)
    assert [c.id for c in ja.cells][2:4] == ["explain", "explain-orphaned"]
    assert ja.cells[2].source == "x = 1" and ja.cells[3].source == translated
    assert found(check(edition, "ja")) == {(Kind.ORPHANED, "explain-orphaned")}


def test_sync_adds_new_notebooks_and_removes_untranslated_ones(edition: Path):
    write_notebook(edition / "en" / "03_tools.ipynb", [markdown("tools", "# Tools")])
    (edition / "en" / EVENTS).unlink()
    assert found(check(edition, "ja")) == {
        (Kind.MISSING_NOTEBOOK, None),
        (Kind.EXTRA_NOTEBOOK, None),
    }

    report = sync(edition, "ja")

    assert {change.action for change in report.changes} == {
        Action.NOTEBOOK_ADDED,
        Action.NOTEBOOK_REMOVED,
    }
    assert check(edition, "ja") == []
    assert not (edition / "ja" / EVENTS).exists()


def test_sync_keeps_a_notebook_holding_translations(edition: Path):
    translate(edition, EVENTS, "events")
    (edition / "en" / EVENTS).unlink()

    report = sync(edition, "ja")

    assert [change.action for change in report.changes] == [Action.NOTEBOOK_KEPT]
    assert (edition / "ja" / EVENTS).exists()
    assert found(check(edition, "ja")) == {(Kind.EXTRA_NOTEBOOK, None)}


def test_sync_of_an_edition_in_step_changes_nothing(edition: Path):
    translate_everything(edition)
    before = (edition / "ja" / INTRO).read_bytes()

    assert sync(edition, "ja").changes == []
    assert (edition / "ja" / INTRO).read_bytes() == before


# ---------------------------------------------------------------------------------------------
# Structural drift and the report


def test_status_names_each_kind_of_drift(edition: Path):
    def damage(cells: list[NotebookNode]) -> None:
        cells[0].id = "renamed"  # cell id differs
        cells[1].source = "client = None"  # code differs
        cells[2], cells[3] = cells[3], cells[2]  # cell order differs
        cells[4].cell_type = "markdown"  # cell type differs
        cells.append(markdown("extra", "Added by hand."))  # cell added

    edit(edition / "ja" / INTRO, damage)

    assert found(check(edition, "ja")) == {
        (Kind.CELL_ID_DIFFERS, "renamed"),
        (Kind.CODE_DIFFERS, "setup"),
        (Kind.CELL_MOVED, "run"),
        (Kind.CELL_TYPE_DIFFERS, "raw"),
        (Kind.CELL_ADDED, "extra"),
    }
    sync(edition, "ja")
    assert found(check(edition, "ja")) == {  # Markdown of unknown origin is never deleted
        (Kind.ORPHANED, "extra"),
        (Kind.ORPHANED, "raw-orphaned"),
    }


def test_the_status_report_has_a_row_per_notebook_and_a_line_per_problem(edition: Path):
    translate(edition, INTRO, "intro")
    set_source(edition / "en" / INTRO, "intro", "# Streaming with the Messages API")

    lines = status(edition, "ja").lines()

    assert lines[0] == "Edition ja"
    assert lines[1].split() == ["notebook", "translated", "untranslated", "stale", "drift"]
    assert lines[2].split() == [INTRO, "0", "1", "1", "0"]
    assert lines[3].split() == [EVENTS, "0", "1", "0", "0"]
    assert lines[4] == "Problems:"
    assert (
        '  ja/01_intro.ipynb, cell 0 (id intro): stale "# Streaming with the Messages API"' in lines
    )


def test_mark_translated_refuses_what_is_not_a_translation(edition: Path):
    with pytest.raises(EditionError, match="only Markdown cells are translated"):
        mark_translated(edition / "ja" / INTRO, "setup")
    with pytest.raises(EditionError, match="has no cell with id nowhere"):
        mark_translated(edition / "ja" / INTRO, "nowhere")
    with pytest.raises(EditionError, match="does not exist"):
        mark_translated(edition / "ja" / "missing.ipynb", "intro")
    (edition / "en" / EVENTS).unlink()
    with pytest.raises(EditionError, match="nothing to translate; run: streaming-course editions"):
        mark_translated(edition / "ja" / EVENTS, "events")


def test_the_notebooks_folder_is_found_upward(edition: Path, tmp_path_factory):
    assert find_notebooks_root(edition / "ja") == edition.resolve()
    assert edition_langs(edition) == ["ja"]
    with pytest.raises(EditionError, match="pass --root"):
        find_notebooks_root(tmp_path_factory.mktemp("elsewhere"))


# ---------------------------------------------------------------------------------------------
# Any sequence of English edits: sync, and nothing translated is lost

TYPES = st.sampled_from(["markdown", "code"])
TEXTS = st.lists(st.sampled_from(["stream", "event", "delta", "テキスト", "\n", "#"]), max_size=4)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 20), TYPES, TEXTS.map(" ".join)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("modify"), st.integers(0, 20), TEXTS.map(" ".join)),
        st.tuples(st.just("retype"), st.integers(0, 20)),
    ),
    max_size=8,
)


def english_cell(cell_id: str, cell_type: str, text: str) -> NotebookNode:
    return markdown(cell_id, text) if cell_type == "markdown" else code(cell_id, text)


def apply_edit(cells: list[NotebookNode], edit: tuple, new_id: str) -> None:
    """Insert, delete, modify or retype a cell of an English notebook."""
    verb, position = edit[0], edit[1]
    if verb == "insert":
        cells.insert(position % (len(cells) + 1), english_cell(new_id, edit[2], edit[3]))
    elif cells and verb == "delete":
        cells.pop(position % len(cells))
    elif cells and verb == "modify":
        cells[position % len(cells)].source = edit[2]
    elif cells and verb == "retype":
        old = cells[position % len(cells)]
        retyped = "code" if old.cell_type == "markdown" else "markdown"
        cells[position % len(cells)] = english_cell(old.id, retyped, old.source)


@settings(max_examples=60, deadline=None)
@given(
    start=st.lists(st.tuples(TYPES, TEXTS.map(" ".join)), max_size=6),
    to_translate=st.sets(st.integers(0, 5)),
    edits=EDITS,
)
def test_sync_after_any_edits_passes_check_and_loses_no_translation(start, to_translate, edits):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "notebooks"
        cells = [english_cell(f"c{i}", kind, text) for i, (kind, text) in enumerate(start)]
        write_notebook(root / "en" / INTRO, cells)
        new_edition(root, "ja")
        translations = {
            c.id: translate(root, INTRO, c.id)
            for i, c in enumerate(cells)
            if i in to_translate and c.cell_type == "markdown"
        }
        edited = read(root / "en" / INTRO)
        for number, change in enumerate(edits):
            apply_edit(edited.cells, change, new_id=f"n{number}")
        nbformat.write(edited, root / "en" / INTRO)

        sync(root, "ja")

        english = {c.id: c for c in read(root / "en" / INTRO).cells}
        ja = read(root / "ja" / INTRO).cells
        kept = [c.id for c in ja if c.metadata.get("edition", {}).get("status") != "orphaned"]
        assert kept == list(english)
        orphaned_ids = {cell_id for cell_id in translations if not is_markdown(english, cell_id)}
        assert len(check(root, "ja")) == len(orphaned_ids)
        assert {problem.kind for problem in check(root, "ja")} <= {Kind.ORPHANED}
        for cell_id, text in translations.items():
            [translated] = [c for c in ja if c.source == text]
            if cell_id in orphaned_ids:
                expected = "orphaned"
            elif text == translation_of(cell_id, english[cell_id].source):
                expected = "translated"
            else:
                expected = "stale"
            assert translated.metadata["edition"]["status"] == expected
        assert sync(root, "ja").changes == []


def is_markdown(cells: dict[str, NotebookNode], cell_id: str) -> bool:
    return cell_id in cells and cells[cell_id].cell_type == "markdown"


# ---------------------------------------------------------------------------------------------
# The command line


def run(*argv: str) -> int:
    return main(["editions", *argv])


def test_cli_exit_codes(root: Path, capsys: pytest.CaptureFixture[str]):
    at = ("--root", str(root))
    assert run("new", "ja", *at) == 0
    assert run("new", "ja", *at) == 2
    (error,) = capsys.readouterr().err.splitlines()  # one line, in the style of every command
    assert error.startswith("streaming-course: ") and "already exists" in error
    assert run("check", *at) == 0
    assert run("check", "ja", "--strict", *at) == 1
    assert "(id intro): untranslated" in capsys.readouterr().out
    for name, cell_id in ((INTRO, "intro"), (INTRO, "explain"), (EVENTS, "events")):
        set_source(root / "ja" / name, cell_id, "翻訳")
    assert run("mark-translated", "ja", INTRO, "intro", "explain", *at) == 0
    assert run("mark-translated", "ja", EVENTS, "events", *at) == 0
    assert run("check", "ja", "--strict", *at) == 0
    assert run("sync", "ja", *at) == 0
    assert run("status", *at) == 0
    assert "Edition ja" in capsys.readouterr().out


def test_cli_finds_the_root_upward_or_says_how_to_pass_it(
    edition: Path, tmp_path_factory, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.chdir(edition / "ja")
    assert run("status") == 0
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert run("check") == 2
    assert "pass --root" in capsys.readouterr().err
