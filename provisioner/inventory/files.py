"""Finding the inventory's files, in a directory or at a git revision, and the revision.

Layout: ``settings.yaml``; agents in ``agents.yaml`` and/or ``agents/*.yaml``; likewise
phones and queues (``.yml`` works too). A file's kind comes from its name or directory;
any other YAML file at the top is reported, so a misnamed file is not silently ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import git

from provisioner.errors import Problem, ProvisionerError

logger = logging.getLogger(__name__)

KINDS = ("settings", "agents", "phones", "queues")
DIRECTORY_KINDS = ("agents", "phones", "queues")
SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class InventoryFile:
    name: str  # as shown in problems
    kind: str
    data: bytes


def _problem(name: str, message: str) -> Problem:
    return Problem(file=name, line=0, column=0, path="", message=message)


def classify(relative: PurePosixPath) -> str | None:
    """The kind of an inventory file from its path inside the inventory, or None."""
    if relative.suffix not in SUFFIXES or relative.name.startswith("."):
        return None
    parts = relative.parts
    if len(parts) == 1 and relative.stem in KINDS:
        return relative.stem
    if len(parts) == 2 and parts[0] in DIRECTORY_KINDS:
        return parts[0]
    return None


def _sorted_entries(
    entries: Iterable[tuple[PurePosixPath, bytes | None]], show: PurePosixPath
) -> tuple[list[InventoryFile], list[Problem]]:
    files: list[InventoryFile] = []
    problems: list[Problem] = []
    for relative, data in sorted(entries, key=lambda e: str(e[0])):
        name = str(show / relative)
        kind = classify(relative)
        if kind is None:
            problems.append(
                _problem(
                    name,
                    "not an inventory file: use settings.yaml, agents.yaml, phones.yaml, "
                    "queues.yaml or agents/, phones/, queues/ directories of .yaml files",
                )
            )
        elif data is None:
            problems.append(_problem(name, "the file cannot be read"))
        else:
            files.append(InventoryFile(name=name, kind=kind, data=data))
    if not files and not problems:
        problems.append(_problem(str(show), "no inventory files found here"))
    return files, problems


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as e:
        logger.warning("cannot read %s: %s", path, e)
        return None


def _candidates(root: Path) -> Iterable[Path]:
    for path in root.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_dir() and path.name in DIRECTORY_KINDS:  # nested files get reported
            yield from (p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file() and path.suffix in SUFFIXES:
            yield path


def read_directory(root: Path) -> tuple[list[InventoryFile], list[Problem]]:
    """The inventory files of a directory on disk."""
    if not root.exists():
        return [], [_problem(str(root), "the inventory directory does not exist")]
    if not root.is_dir():
        return [], [_problem(str(root), "the inventory must be a directory, not a file")]
    entries = [(PurePosixPath(p.relative_to(root).as_posix()), _read(p)) for p in _candidates(root)]
    return _sorted_entries(entries, PurePosixPath(root.as_posix()))


def _repo(start: Path) -> git.Repo | None:
    try:
        return git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def _relative_to_repo(repo: git.Repo, root: Path) -> PurePosixPath:
    top = Path(str(repo.working_tree_dir)).resolve()
    try:
        return PurePosixPath(root.resolve().relative_to(top).as_posix())
    except ValueError as e:
        raise ProvisionerError(
            f"the inventory {root} is not inside the git repository {top}"
        ) from e


def _tree_entries(tree: git.Tree) -> Iterable[tuple[PurePosixPath, bytes | None]]:
    for blob in tree.blobs:
        if blob.name.endswith(SUFFIXES) and not blob.name.startswith("."):
            yield PurePosixPath(blob.name), blob.data_stream.read()
    for sub in tree.trees:
        if sub.name in DIRECTORY_KINDS:
            for item in sub.traverse():
                if isinstance(item, git.Blob) and item.name.endswith(SUFFIXES):
                    path = PurePosixPath(item.path).relative_to(PurePosixPath(tree.path))
                    yield path, item.data_stream.read()


def read_revision(root: Path, ref: str) -> tuple[list[InventoryFile], list[Problem], str]:
    """The inventory files at git revision ``ref``, without checking it out.

    Problems name repository-relative paths. Returns the files, problems and commit sha.
    """
    start = root if root.exists() else Path.cwd()
    repo = _repo(start)
    if repo is None:
        raise ProvisionerError(f"--ref needs a git repository, and {start} is not inside one")
    try:
        return _read_commit(repo, root, ref)
    finally:
        repo.close()


def _read_commit(
    repo: git.Repo, root: Path, ref: str
) -> tuple[list[InventoryFile], list[Problem], str]:
    relative = _relative_to_repo(repo, root)
    try:
        commit = repo.commit(ref)
        top = commit.tree  # a full sha git does not have fails only here (ValueError)
    except (git.BadName, ValueError) as e:
        raise ProvisionerError(f"unknown git revision '{ref}'") from e
    try:
        tree = top / str(relative) if str(relative) != "." else top
    except KeyError:
        missing = _problem(str(relative), f"the inventory directory does not exist at {ref}")
        return [], [missing], commit.hexsha
    if not isinstance(tree, git.Tree):
        return [], [_problem(str(relative), "the inventory is not a directory")], commit.hexsha
    files, problems = _sorted_entries(_tree_entries(tree), relative)
    return files, problems, commit.hexsha


def working_revision(root: Path) -> str:
    """HEAD's sha (``-dirty`` when the inventory has uncommitted changes), or working-tree."""
    repo = _repo(root)
    if repo is None:
        return "working-tree"
    try:
        sha = repo.head.commit.hexsha
        relative = _relative_to_repo(repo, root)
        dirty = repo.is_dirty(untracked_files=True, path=str(relative))
    except (ValueError, ProvisionerError, git.GitCommandError) as e:
        logger.debug("no revision for %s: %s", root, e)
        return "working-tree"
    finally:
        repo.close()
    return f"{sha}-dirty" if dirty else sha
