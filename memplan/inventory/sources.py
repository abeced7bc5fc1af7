"""Where inventory bytes come from: files (bounded in size), git revisions, exports imported in
memory, and baselines."""

from __future__ import annotations

import os
import re
import stat

from memplan.errors import InventoryError, Problem, UsageError
from memplan.inventory.fields import (
    MAX_FILE_BYTES,
)
from memplan.model import Note
from memplan.units import clip

EXPORT_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_GOVC = re.compile(rb'^\s*[{\[]\s*\{?\s*"(hostsystems|virtualmachines)"', re.IGNORECASE)
"""The start of govc host.info / vm.info JSON, which is valid YAML but no inventory."""


def read_git(ref: str, path: str) -> bytes:
    """The file ``path`` as it is at git revision ``ref``.

    The ref is never passed where git could read it as an option: one that is empty or
    starts with '-' is refused, and it is resolved to a commit id with
    ``rev-parse --verify --end-of-options`` before ``git show`` sees it.
    """
    import subprocess

    if not ref.strip():
        raise UsageError("--against-git: give a revision, e.g. origin/main or HEAD~1")
    if ref.startswith("-"):
        raise UsageError(f"--against-git {clip(ref)}: a revision cannot start with '-'")
    folder, name = os.path.split(os.path.abspath(path))

    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", *args], cwd=folder, capture_output=True, check=False, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(f"--against-git {clip(ref)}: cannot run git ({exc})") from None

    def failed(done: subprocess.CompletedProcess[bytes], default: str) -> UsageError:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return UsageError(f"--against-git {clip(ref)}: {clip(why[-1], 200) if why else default}")

    done = git("rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise failed(done, "not a commit in this repository")
    commit = done.stdout.decode().strip()
    done = git("show", f"{commit}:./{name}")
    if done.returncode != 0:
        raise failed(done, "git show failed")
    if len(done.stdout) > MAX_FILE_BYTES:
        raise UsageError(f"--against-git {clip(ref)}: {name} is larger than 128 MiB there")
    return done.stdout


def read_git_source(ref: str, path: str, label: str) -> bytes:
    """The inventory at ``path`` as it is at git revision ``ref``: a YAML file's bytes as
    committed, or an RVTools workbook or CSV tab (binary, or not UTF-8) imported from the
    committed bytes, as read_source() imports the file on disk. Problems name ``label``
    (``FILE@REF``), not the temporary copy the importer reads."""
    if os.path.isdir(path):
        raise UsageError(
            f"--against-git: {path} is a folder; give one file (an inventory, an RVTools"
            " workbook or CSV tab)"
        )
    data = read_git(ref, path)
    if not is_export(path):
        return data
    import tempfile

    with tempfile.TemporaryDirectory(prefix="memplan-git-") as folder:
        copy = os.path.join(folder, os.path.basename(path))
        with open(copy, "wb") as fh:
            fh.write(data)
        try:
            return read_source(copy)
        except InventoryError as exc:
            raise InventoryError(
                [
                    Problem(label, p.line, p.column, p.message.replace(copy, label), p.first)
                    if p.file == copy
                    else p
                    for p in exc.problems
                ]
            ) from None


def read_baseline(path: str) -> frozenset[tuple[str, str, str]]:
    """(rule, kind, subject) of each finding in a baseline: a file written by
    ``--write-baseline``, or any ``memplan check --format json`` report. Bounded in size
    and nesting like every file memplan reads."""
    from memplan.importers import common

    where = f"--baseline {path}"
    doc = common.load_json(common.read_file(path, where), where)
    items = doc.get("baseline", doc.get("findings")) if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise UsageError(
            f"{where}: not a memplan baseline or JSON report (no 'baseline' or 'findings' list)"
        )
    out = set()
    for i, f in enumerate(items, 1):
        keys = ("rule", "kind", "subject")
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in keys):
            raise UsageError(
                f"{where}: finding #{i} is not an object with text rule, kind and subject"
            )
        out.add((f["rule"], f["kind"], f["subject"]))
    return frozenset(out)


def is_export(path: str) -> bool:
    """An RVTools workbook, an RVTools CSV tab, or a folder of them."""
    return path.lower().endswith(EXPORT_SUFFIXES) or (
        os.path.isdir(path) and any(f.lower().endswith(".csv") for f in os.listdir(path))
    )


def read_source(path: str, notes: list[Note] | None = None) -> bytes:
    """The inventory YAML at ``path``, or an RVTools export imported into YAML in memory
    (then ``notes`` receives every skipped and repaired row and the summary line)."""
    if not is_export(path):
        data = read_bytes(path)
        if path.lower().endswith(".json") and _GOVC.search(data, 0, 4096):
            kind = _GOVC.search(data, 0, 4096)
            assert kind is not None
            raise InventoryError([Problem(path, 1, 1, (
                f"govc JSON ({kind[1].decode()}), not a memplan inventory: import it first,"
                " with its hosts' and VMs' files: memplan import govc hosts.json vms.json -o"
                " inventory.yaml (docs/import.md)"))])  # fmt: skip
        return data
    from memplan.importers import common, rvtools

    try:
        result = rvtools.read([path])
    except UsageError as exc:  # here the export is the inventory: unreadable means exit 4
        raise InventoryError([common.problem_of(str(exc), [path])]) from None
    if notes is not None:
        notes += result.notes()
    empty = result.nothing_imported()
    if empty:
        raise InventoryError([Problem(path, 1, 1, empty)])
    return common.to_yaml(result, f"imported in memory from {path}").encode()


def read_bytes(path: str) -> bytes:
    """Read a regular file of bounded size; every failure becomes an InventoryError."""

    def fail(message: str) -> InventoryError:
        return InventoryError([Problem(path, 1, 1, message)])

    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise fail("no such file") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("is a directory, not an inventory file")
    if not stat.S_ISREG(st.st_mode):
        raise fail("is not a regular file (a FIFO, socket or device); memplan reads files only")
    if st.st_size > MAX_FILE_BYTES:
        raise fail(f"file is {st.st_size} bytes; the limit is {MAX_FILE_BYTES} bytes (128 MiB)")
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None


def decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InventoryError(
            [Problem(path, line, col, f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")]
        ) from None


def position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1
