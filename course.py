"""Set up the course and open it, or test it: one command each, with only Python ≥ 3.11.

    python3 course.py lab     # make .venv, install the course, open your copy of the notebooks
    python3 course.py test    # make .venv, install the course and its tests, run them all
    python3 course.py wheelhouse DIR     # download every wheel the course needs into DIR
    python3 course.py lab --wheelhouse DIR   # install from DIR, with no network at all
    python3 course.py reset 03 [--all] [--edition ja] [--yes]   # back to the shipped lesson

`lab` and `test` create (or reuse) the virtual environment in `.venv` (`--venv DIR` elsewhere)
and install the course into it with pip, nothing outside it. `lab` opens `my-notebooks/<lang>/`,
your copy of `notebooks/<lang>/` (git ignores it; made on the first run, later runs add new
lessons and never touch one you changed). Standard library only: it runs before any install.

Exit codes: 0 done; 1 a step failed (pip, a test) or a reset was declined; 2 bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MINIMUM_PYTHON = (3, 11)
WORK_FOLDER = "my-notebooks"  # beside notebooks/: the same depth, so ../../images/ still works
MANIFEST = ".shipped.json"  # in each working folder: the shipped version each copy started from
NEWS_SETTING = "@jupyterlab/apputils-extension:notification"
NOTEBOOK_HELP = "streaming_course.notebook_help"  # a cell run before the set-up cell: one line


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if sys.version_info < MINIMUM_PYTHON:
        print(f"The course needs Python ≥ 3.11; this is {sys.version.split()[0]}.", file=sys.stderr)
        return 2
    if extra and args.command in ("wheelhouse", "reset"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "edition", None) and not os.environ.get("STREAMING_COURSE_LANG"):
        os.environ["STREAMING_COURSE_LANG"] = args.edition  # messages, and the lab's kernels
    if args.command == "reset":
        return reset(args.lessons, args.edition, everything=args.all, yes=args.yes)
    wheelhouse = getattr(args, "wheelhouse", None)
    if wheelhouse is not None and not any(Path(wheelhouse).glob("*.whl")):
        print(say("no_wheelhouse", folder=wheelhouse), file=sys.stderr)
        return 2
    try:
        python = ensure_venv(args.venv.resolve())
        if args.command == "wheelhouse":
            build_wheelhouse(python, args.folder, args.platform, args.python_version, args.lab_only)
            return 0
        if args.command == "lab":
            extras = ",".join(args.extra)
            install(python, f".[{extras}]" if extras else ".", wheelhouse)
            return run_lab(python, args.edition, extra)
        install(python, ".[test]", wheelhouse)
        offline = wheelhouse is not None and "-m" not in extra  # leave out what downloads:
        return run_tests(python, ["-m", "not wheelhouse", *extra] if offline else extra)
    except subprocess.CalledProcessError as failed:
        if wheelhouse is None:
            print(say("step_failed", code=failed.returncode), file=sys.stderr)
        else:
            python_version, platform = "%d.%d" % sys.version_info[:2], sysconfig.get_platform()  # noqa: UP031
            print(say("wheelhouse_incomplete", code=failed.returncode, python=python_version,
                      platform=platform), file=sys.stderr)  # fmt: skip
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    lab = commands.add_parser("lab", help="install the course and open it in JupyterLab")
    test = commands.add_parser("test", help="install the course and its tests, run them all")
    house = commands.add_parser("wheelhouse", help="download every wheel the course needs")
    for command in (lab, test, house):
        command.add_argument("--venv", type=Path, default=ROOT / ".venv", help="where to install")
    for command in (lab, test):
        command.add_argument("--wheelhouse", type=Path, help="install from this folder, offline")
    lab.add_argument("--edition", default="en", help="the notebooks' language (en, ja)")
    lab.add_argument("--extra", action="append", default=[], help="an extra, e.g. bedrock")
    house.add_argument("folder", type=Path, help="where the wheels go (e.g. a USB stick)")
    house.add_argument("--platform", action="append", default=[], help="e.g. win_amd64")
    house.add_argument("--python-version", action="append", default=[], help="e.g. 3.12")
    house.add_argument("--lab-only", action="store_true", help="without the test tools")
    reset = commands.add_parser("reset", help="put lessons back to their shipped version")
    reset.add_argument("lessons", nargs="*", help="e.g. 03 or 03-text-deltas")
    reset.add_argument("--all", action="store_true", help="every lesson of the edition")
    reset.add_argument("--edition", default="en", help="the notebooks' language (en, ja)")
    reset.add_argument("--yes", action="store_true", help="do not ask before overwriting")
    return parser


# --- The virtual environment and the install -------------------------------------------------


def ensure_venv(folder: Path) -> Path:
    """Create the virtual environment if needed; return its Python."""
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"creating a virtual environment in {folder}")
        venv.EnvBuilder(with_pip=True, clear=False).create(folder)
    return python


def install(python: Path, target: str, wheelhouse: Path | None = None) -> None:
    """Install the course (editable, so the helper module you read is the one that runs).

    With a wheelhouse, pip uses only its files (`--no-index`): the build backend comes from
    there too, since pip hands the same options to the build's own environment.
    """
    offline = ["--no-index", "--find-links", str(Path(wheelhouse).resolve())] if wheelhouse else []
    print(f"installing {target} into the virtual environment" + (" (offline)" if offline else ""))
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip", *offline])
    run([python, "-m", "pip", "install", "--quiet", *offline, "--editable", target])


def run(command: list) -> None:
    subprocess.run(command, check=True, cwd=ROOT)


def venv_environment(python: Path, **overrides: str) -> dict[str, str]:
    """This environment with the venv's commands first on PATH, as if it were activated."""
    path = os.pathsep.join([str(python.parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "VIRTUAL_ENV": str(python.parent.parent), **overrides}


def run_tests(python: Path, extra: list[str]) -> int:
    """Lint, then run every test and notebook offline, replaying with strict matching."""
    replay = {"STREAMING_COURSE_MODE": "replay", "STREAMING_COURSE_REPLAY_STRICT": "1"}
    env = venv_environment(python, **replay, ANTHROPIC_API_KEY="")
    steps = [
        ["ruff", "check", "."],
        ["pytest", "tests", *extra],  # alone: the timing tests measure milliseconds
        ["pytest", "notebooks", "-n", "2", "--dist", "loadfile", *extra],  # a kernel per core
    ]
    for step in steps:
        print("$", *step)
        code = subprocess.call([python, "-m", *step], cwd=ROOT, env=env)
        if code != 0:
            return code
    return 0


# --- The wheelhouse -----------------------------------------------------------------------


def course_requirements(extras: list[str], root: Path = ROOT) -> list[str]:
    """The course's dependencies with these extras, from pyproject.toml (self-references expanded).

    The build backend and pip come first: an offline editable install needs them too, and
    `editables`, which hatchling asks for when it builds one (`get_requires_for_build_editable`).
    """
    import tomllib

    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project = config["project"]
    optional = project.get("optional-dependencies", {})
    itself = re.compile(rf"^{re.escape(project['name'])}\[([^\]]+)\]", re.IGNORECASE)
    requirements = [*config["build-system"]["requires"], "editables", "pip"]
    requirements += project["dependencies"]
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in optional[extra]:
            found = itself.match(requirement)
            if found:
                pending += [name.strip() for name in found.group(1).split(",")]
            elif requirement not in requirements:
                requirements.append(requirement)
    return requirements


def build_wheelhouse(
    python: Path,
    folder: Path,
    platforms: list[str],
    python_versions: list[str],
    lab_only: bool = False,
    requirements: list[str] | None = None,
) -> None:
    """`pip download` wheels only, once per (platform, Python) asked for, into `folder`."""
    import tomllib

    if requirements is None:
        config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        extras = sorted(config["project"].get("optional-dependencies", {}))
        requirements = course_requirements([e for e in extras if not (lab_only and e == "test")])
    folder.mkdir(parents=True, exist_ok=True)
    listing = folder / "course-requirements.txt"
    listing.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    for platform in platforms or [None]:
        for version in python_versions or [None]:
            print(f"downloading for {platform or 'this platform'}, Python {version or 'this one'}")
            target = ["--platform", platform] if platform else []
            target += ["--python-version", version] if version else []
            run([*_pip(python, platform, version), "download", "--quiet", "--only-binary=:all:",
                 "--dest", str(folder), "-r", str(listing), *target])  # fmt: skip
    size = sum(path.stat().st_size for path in folder.glob("*.whl"))
    print(f"{len(list(folder.glob('*.whl')))} wheels, {size / 1e6:.0f} MB in {folder}")


def target_markers(platform: str | None, python_version: str | None) -> dict[str, str]:
    """Environment-marker values of the target, so `sys_platform == "win32"` means the target.

    pip evaluates markers for the machine it runs on even with `--platform` (pypa/pip#11664),
    so a wheelhouse for Windows made on Linux would lack pywinpty and colorama without this.

    >>> target_markers("win_amd64", "3.12")["sys_platform"]
    'win32'
    """
    values: dict[str, str] = {}
    if python_version:
        values["python_version"] = python_version
        values["python_full_version"] = f"{python_version}.0"
    if not platform:
        return values
    machine = re.sub(r"^(manylinux\d*|musllinux|macosx|win|linux)(_\d+)*_?", "", platform)
    if platform.startswith("win"):
        machine = {"amd64": "AMD64", "arm64": "ARM64", "32": "x86"}.get(machine, machine)
        return values | {"sys_platform": "win32", "os_name": "nt",
                         "platform_system": "Windows", "platform_machine": machine}  # fmt: skip
    if platform.startswith("macosx"):
        machine = "arm64" if machine == "universal2" else machine
        return values | {"sys_platform": "darwin", "os_name": "posix",
                         "platform_system": "Darwin", "platform_machine": machine}  # fmt: skip
    return values | {"sys_platform": "linux", "os_name": "posix",
                     "platform_system": "Linux", "platform_machine": machine}  # fmt: skip


def _pip(python: Path, platform: str | None, python_version: str | None) -> list:
    """`python -m pip`, or for another target a `python -c` running pip with its markers."""
    if not (platform or python_version):
        return [python, "-m", "pip"]
    values = json.dumps(target_markers(platform, python_version))
    return [python, "-c",
        "import runpy, sys; from pip._vendor.packaging import markers; "
        f"ours = markers.default_environment; values = {values}; "
        "markers.default_environment = lambda: {**ours(), **values}; "
        "sys.argv[0] = 'pip'; runpy.run_module('pip', run_name='__main__', alter_sys=True)",
    ]  # fmt: skip


# --- JupyterLab and the learner's working copy ----------------------------------------------


def run_lab(python: Path, edition: str, extra: list[str]) -> int:
    """Open JupyterLab on the learner's copy of the edition (replay unless `.env` has a key)."""
    if not (ROOT / "notebooks" / edition).is_dir():
        print(say("no_edition", edition=edition), file=sys.stderr)
        return 2
    folder = sync_working_copy(edition)
    turn_off_news(python.parent.parent)
    load_notebook_help(python.parent.parent)
    # my-notebooks/<lang>/ is not notebooks/<lang>/: main() set STREAMING_COURSE_LANG instead.
    command = [python, "-m", "jupyterlab", f"--notebook-dir={folder}", *extra]
    return subprocess.call(command, env=venv_environment(python))


def turn_off_news(venv_folder: Path) -> Path:
    """Set JupyterLab's news to "never" for this venv, so no pop-up asks on the first run."""
    path = venv_folder / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    settings.setdefault(NEWS_SETTING, {})["fetchNews"] = "false"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path


def load_notebook_help(venv_folder: Path) -> Path:
    """Have this venv's kernels load `streaming_course.notebook_help` (IPython's config)."""
    path = venv_folder / "etc" / "ipython" / "ipython_kernel_config.json"
    settings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    extensions = settings.setdefault("InteractiveShellApp", {}).setdefault("extra_extensions", [])
    extensions += [] if NOTEBOOK_HELP in extensions else [NOTEBOOK_HELP]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path


def sync_working_copy(edition: str, root: Path = ROOT) -> Path:
    """Copy in the shipped files the learner lacks; refresh only copies they never changed."""
    shipped, work = root / "notebooks" / edition, root / WORK_FOLDER / edition
    started = _read_manifest(work)
    for name, source in _shipped_files(shipped).items():
        copy, fingerprint = work / name, _fingerprint(source)
        if not copy.exists():
            _restore(source, copy, started, name, fingerprint)
            print(say("copied", path=_relative(copy, root)))
        elif _fingerprint(copy) == fingerprint:
            started[name] = fingerprint
        elif _fingerprint(copy) == started.get(name):  # untouched since we copied it: refresh
            _restore(source, copy, started, name, fingerprint)
            print(say("refreshed", path=_relative(copy, root)))
        elif started.get(name) != fingerprint:  # changed by the learner, and shipped changed too
            lesson = Path(name).stem + ("" if edition == "en" else f" --edition {edition}")
            print(say("newer_shipped", path=_relative(copy, root), lesson=lesson))
    _write_manifest(work, started)
    return work


def reset(lessons: list[str], edition: str, everything: bool = False, yes: bool = False,
          root: Path = ROOT) -> int:  # fmt: skip
    """Put lessons back to the shipped version, after saying which files it overwrites."""
    shipped, work = root / "notebooks" / edition, root / WORK_FOLDER / edition
    files = _shipped_files(shipped)
    if not files or not (everything or lessons):
        print(say("no_edition" if not files else "reset_what", edition=edition), file=sys.stderr)
        return 2
    chosen = list(files) if everything else []
    for lesson in lessons:
        names = [name for name in files if _is_lesson(name, lesson)]
        if len(names) != 1:
            lesson_list = ", ".join(Path(n).stem for n in files if n.endswith(".ipynb"))
            print(say("unknown_lesson", lesson=lesson, lessons=lesson_list), file=sys.stderr)
            return 2
        chosen += names
    missing = [name for name in chosen if not (work / name).exists()]
    overwrite = [
        n for n in chosen if n not in missing and _fingerprint(work / n) != _fingerprint(files[n])
    ]
    if not overwrite and not missing:
        print(say("already_shipped"))
        return 0
    if overwrite:
        print(say("will_overwrite", count=len(overwrite)))
        for name in overwrite:
            print(f"  {_relative(work / name, root)}")
        if not yes and not _confirm(say("confirm")):
            print(say("declined"))
            return 1
    started = _read_manifest(work)
    for name in overwrite + missing:
        _restore(files[name], work / name, started, name, _fingerprint(files[name]))
        print(say("restored", path=_relative(work / name, root)))
    _write_manifest(work, started)
    return 0


def _shipped_files(folder: Path) -> dict[str, Path]:
    """Every shipped file of an edition, by its path inside it (hidden ones left out)."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(part.startswith(".") for part in parts):
            found["/".join(parts)] = path
    return found


def _is_lesson(name: str, asked: str) -> bool:
    stem = Path(name).stem
    return name.endswith(".ipynb") and asked in (name, stem, stem.split("-")[0])


def _restore(source: Path, copy: Path, started: dict, name: str, fingerprint: str) -> None:
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)
    started[name] = fingerprint


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(work: Path) -> dict[str, str]:
    return json.loads((work / MANIFEST).read_text("utf-8")) if (work / MANIFEST).exists() else {}


def _write_manifest(work: Path, started: dict[str, str]) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / MANIFEST).write_text(json.dumps(started, indent=1, sort_keys=True) + "\n", "utf-8")


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _confirm(question: str) -> bool:
    try:
        return input(f"{question} ").strip().lower() in ("y", "yes", "はい")
    except EOFError:
        return False


def say(key: str, **values: object) -> str:
    """A message from the course's catalog (`[course_py]`), read with the standard library only."""
    import tomllib

    language = os.environ.get("STREAMING_COURSE_LANG", "").strip().lower() or "en"
    for name in (language, "en"):  # a missing translation falls back to English, like i18n
        path = ROOT / "streaming_course" / "messages" / f"{name}.toml"
        found = tomllib.loads(path.read_text("utf-8")).get("course_py", {}) if path.exists() else {}
        if key in found:
            return found[key].format(**values)
    raise KeyError(key)


if __name__ == "__main__":
    sys.exit(main())
