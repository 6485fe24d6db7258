"""The package's shape: no import circle (imports inside functions count), small modules.

The graph is read from the source with `ast`, so an import inside a function counts as
much as one at the top of a module: a circle through either is a design error, however
lazily it is hidden.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "streaming_course"
LARGEST_MODULE = 450  # lines
BEDROCK_FILES = 8


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports, anywhere in it."""
    source = path.read_text(encoding="utf-8")
    return imported_by(source, module_name(path), path.name == "__init__.py", modules)


def imported_by(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The `modules` that the code of module `name` imports, at its top or inside functions."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
            target = node.module if node.level == 0 and node.module else target
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    """Each module of the package, with the package's modules it imports."""
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imported(path, modules) for path in paths}


def edges(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(source, target) for source, targets in graph.items() for target in targets]


def test_the_graph_sees_imports_inside_functions() -> None:
    modules = {"pkg", "pkg.config", "pkg.replay", "pkg.replay.fixture", "pkg.client"}
    lazy = "def later():\n    from ..config import load_settings\n    from . import fixture\n"
    assert imported_by(lazy, "pkg.replay.transport", False, modules) == {
        "pkg.config",
        "pkg.replay.fixture",
    }
    assert imported_by("import pkg.client\n", "pkg.web", False, modules) == {"pkg.client"}
    graph = import_graph()
    assert "streaming_course.replay.transport" in graph["streaming_course.client"]


def test_no_import_circle_anywhere_in_the_package() -> None:
    try:
        tuple(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as error:
        raise AssertionError(f"import circle: {' → '.join(error.args[1])}") from None


def test_the_runtime_never_imports_maintainer_tooling() -> None:
    graph = import_graph()
    allowed = {"streaming_course.cli", "streaming_course.doctor"}  # the top: commands
    offenders = [
        (source, target)
        for source, target in edges(graph)
        if ".maintain" in target
        and ".maintain" not in source
        and source not in allowed
        and not source.startswith("streaming_course.commands")
    ]
    assert offenders == []


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LARGEST_MODULE
    }
    assert long == {}


def test_bedrock_keeps_only_what_is_bedrocks() -> None:
    files = sorted(path.name for path in (PACKAGE / "bedrock").glob("*.py"))
    assert len(files) <= BEDROCK_FILES, files
