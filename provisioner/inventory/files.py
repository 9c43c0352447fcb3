"""Finding the inventory's files, in a directory or at a git revision, and the revision.

Layout: ``settings.yaml``; agents in ``agents.yaml`` and/or ``agents/*.yaml``; likewise
phones and queues (``.yml`` works too). A file's kind comes from its name or directory;
any other YAML file at the top is reported, so a misnamed file is not silently ignored.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import git

from provisioner.errors import Problem, ProvisionerError

logger = logging.getLogger(__name__)

KINDS = ("settings", "agents", "phones", "queues")
# Bounds on what is read, so that validate's time and memory stay bounded whatever a pull
# request adds (parsing takes about 25 times a file's size in memory): a 10,000-agent
# inventory is 3.3 MB in all, 8 MiB is about 25,000 agents in one file, 32 MiB about 100,000.
MAX_FILE_BYTES = 8 << 20
MAX_INVENTORY_BYTES = 32 << 20
TOO_LARGE = (
    f"the file is larger than an inventory file may be (at most {MAX_FILE_BYTES >> 20} MiB), "
    "refused unread: split it (agents/*.yaml, phones/*.yaml, queues/*.yaml)"
)
OVER_TOTAL = (
    f"the inventory's files before this one already hold {MAX_INVENTORY_BYTES >> 20} MiB, "
    "the most an inventory may: this file is refused unread"
)
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


Entry = tuple[PurePosixPath, bytes | str]  # a file's path and its data, or why it has none
LINK_OUTSIDE = (
    "this is a link to a place outside the inventory: refused unread (an inventory file "
    "must be inside the inventory directory)"
)
GIT_LINK = (
    "the file is a symbolic link: refused unread (an inventory file must be a plain file "
    "inside the inventory directory)"
)


def _sorted_entries(
    entries: Iterable[Entry], show: PurePosixPath
) -> tuple[list[InventoryFile], list[Problem]]:
    files: list[InventoryFile] = []
    problems: list[Problem] = []
    for relative, data in sorted(entries, key=_by_path):
        name = str(show / relative)
        kind = classify(relative)
        if data in (LINK_OUTSIDE, GIT_LINK):  # a linked directory has no kind of its own
            problems.append(_problem(name, data))
        elif kind is None:
            problems.append(
                _problem(
                    name,
                    "not an inventory file: use settings.yaml, agents.yaml, phones.yaml, "
                    "queues.yaml or agents/, phones/, queues/ directories of .yaml files",
                )
            )
        elif isinstance(data, str):
            problems.append(_problem(name, data))
        else:
            files.append(InventoryFile(name=name, kind=kind, data=data))
    if not files and not problems:
        problems.append(_problem(str(show), "no inventory files found here"))
    return files, problems


class _Budget:
    """Bytes the inventory may still read (``MAX_INVENTORY_BYTES`` in all); files are read in
    the order problems list them, so the same files are refused every time."""

    def __init__(self) -> None:
        self.left = MAX_INVENTORY_BYTES

    def take(self, size: int) -> str | None:
        """None when a file of ``size`` bytes may be read, else why not."""
        if size > MAX_FILE_BYTES:
            return TOO_LARGE
        if size > self.left:
            self.left = -1  # and every file after it
            return OVER_TOTAL
        self.left -= size
        return None


def _read(path: Path, inside: Path, budget: _Budget) -> bytes | str:
    """The file's bytes; a reason instead when it cannot or must not be read. A link (or a
    file in a linked directory) resolving outside ``inside`` is never opened: its content
    would end up in problems ("unknown field 'root:$6$...'") and CI logs."""
    try:
        if not path.resolve().is_relative_to(inside):
            logger.warning("refused %s: it resolves to a file outside the inventory", path)
            return LINK_OUTSIDE
        with path.open("rb") as f:
            refused = budget.take(os.fstat(f.fileno()).st_size)
            return refused if refused is not None else f.read(MAX_FILE_BYTES)
    except OSError as e:
        logger.warning("cannot read %s: %s", path, e)
        return "the file cannot be read"


def _candidates(root: Path, inside: Path) -> Iterable[Path]:
    for path in root.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_dir() and path.name in DIRECTORY_KINDS:  # nested files get reported
            if not path.resolve().is_relative_to(inside):  # never walk it: it could be /
                yield path  # refused as a link to outside
                continue
            yield from (p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file() and path.suffix in SUFFIXES:
            yield path


def read_directory(root: Path) -> tuple[list[InventoryFile], list[Problem]]:
    """The inventory files of a directory on disk (never a file outside it, through a link)."""
    if not root.exists():
        return [], [_problem(str(root), "the inventory directory does not exist")]
    if not root.is_dir():
        return [], [_problem(str(root), "the inventory must be a directory, not a file")]
    inside, budget = root.resolve(), _Budget()
    found = sorted(
        ((PurePosixPath(p.relative_to(root).as_posix()), p) for p in _candidates(root, inside)),
        key=_by_path,
    )
    entries: list[Entry] = [(relative, _read(p, inside, budget)) for relative, p in found]
    files, problems = _sorted_entries(entries, PurePosixPath(root.as_posix()))
    return files, [*_committed_cache(root), *problems]


def git_work_tree(path: Path) -> Path | None:
    """The git work tree ``path`` lies in (the nearest parent holding ``.git``), if any."""
    for parent in (path, *path.parents):
        if (parent / ".git").exists():
            return parent
    return None


# Where releases before the cache moved out of the checkout kept it: beside the inventory. A
# file there that git tracks was put there by a commit, to be read as a trusted parse result.
LEGACY_CACHE_DIR = ".provisioner-cache"
COMMITTED_CACHE = (
    "the cache file is tracked by git: a cache file must never be committed (a pull request "
    "could change through it what is applied); remove it: git rm -r --cached {dir}"
)


def _committed_cache(root: Path) -> list[Problem]:
    """A problem for every file of the legacy cache directory beside ``root`` git tracks."""
    legacy = root.absolute().parent / LEGACY_CACHE_DIR
    if not legacy.is_dir():
        return []
    repo = _repo(root)
    if repo is None:
        return []
    try:
        tracked = repo.git.ls_files("-z", "--", str(legacy)).split("\0")
    except git.GitCommandError as e:
        logger.debug("cannot list %s: %s", legacy, e)
        return []
    finally:
        repo.close()
    top = Path(str(repo.working_tree_dir))
    message = COMMITTED_CACHE.format(dir=legacy)
    return [_problem(str(top / name), message) for name in tracked if name]


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


LINK_MODE = 0o120000  # git's mode of a symbolic link (its blob holds the link's target)


def _blob_data(blob: git.Blob, budget: _Budget) -> bytes | str:
    if blob.mode == LINK_MODE:
        return GIT_LINK
    refused = budget.take(blob.size)
    return refused if refused is not None else blob.data_stream.read()


def _tree_entries(tree: git.Tree) -> Iterable[Entry]:
    blobs = [
        (PurePosixPath(blob.name), blob)
        for blob in tree.blobs
        if blob.name.endswith(SUFFIXES) and not blob.name.startswith(".")
    ]
    for sub in tree.trees:
        if sub.name in DIRECTORY_KINDS:
            blobs += [
                (PurePosixPath(item.path).relative_to(PurePosixPath(tree.path)), item)
                for item in sub.traverse()
                if isinstance(item, git.Blob) and item.name.endswith(SUFFIXES)
            ]
    budget = _Budget()
    return [(path, _blob_data(blob, budget)) for path, blob in sorted(blobs, key=_by_path)]


def _by_path(entry: tuple[PurePosixPath, object]) -> str:
    """The order problems list files in (``_sorted_entries``), which files are read in."""
    return str(entry[0])


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
    return files, [*_committed_at(commit, relative), *problems], commit.hexsha


def _committed_at(commit: git.Commit, relative: PurePosixPath) -> list[Problem]:
    """``_committed_cache`` at a revision: the legacy cache directory in its tree."""
    legacy = relative.parent / LEGACY_CACHE_DIR
    try:
        tree = commit.tree / str(legacy)
    except KeyError:
        return []
    if not isinstance(tree, git.Tree):
        return []
    message = COMMITTED_CACHE.format(dir=legacy)
    return [
        _problem(str(item.path), message) for item in tree.traverse() if isinstance(item, git.Blob)
    ]


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
