"""`LATEST` and the relative link `current`: moved together, only to a complete release."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from exports.latest_pointer import NotAReleaseError, point_latest_to
from ingest.config import Paths


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    paths = Paths(landing=tmp_path / "landing", output=tmp_path / "output")
    paths.releases.mkdir(parents=True)
    return paths


def complete_release(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"release_id": folder.name}), encoding="utf-8")
    return folder


def pointers(paths: Paths) -> tuple[str, str]:
    return paths.latest_pointer.read_text(encoding="utf-8"), os.readlink(paths.current_link)


def test_latest_and_current_name_the_release_and_move_together(paths: Paths) -> None:
    first = complete_release(paths.releases / "2024-20250101T000000Z")
    second = complete_release(paths.releases / "2025-20260101T000000Z")

    point_latest_to(paths, first.name)
    assert pointers(paths) == (f"{first.name}\n", f"releases/{first.name}")
    assert (paths.current_link / "manifest.json").is_file()

    # A link left by a run killed between creating and renaming it is replaced.
    os.symlink("releases/elsewhere", paths.output / f".current.tmp-{second.name}")
    point_latest_to(paths, second.name)
    assert pointers(paths) == (f"{second.name}\n", f"releases/{second.name}")
    assert sorted(path.name for path in paths.output.iterdir()) == ["LATEST", "current", "releases"]


def test_current_is_relative_so_the_output_folder_can_move(paths: Paths, tmp_path: Path) -> None:
    release = complete_release(paths.releases / "2025-20260101T000000Z")
    point_latest_to(paths, release.name)

    moved = paths.output.rename(tmp_path / "moved")
    assert (moved / "current" / "manifest.json").is_file()


@pytest.mark.parametrize(
    "release_id",
    [
        ".tmp-2025-20260101T000000Z",  # a release still being built (or left by a killed run)
        "../candidates/2025-20260101T000000Z",  # a candidate awaiting sign-off
        "2025-20260101T000000Z",  # no such folder
        "incomplete",  # a folder without a manifest
        "",
    ],
)
def test_only_a_complete_release_can_be_pointed_at(paths: Paths, release_id: str) -> None:
    current = complete_release(paths.releases / "2024-20250101T000000Z")
    point_latest_to(paths, current.name)
    complete_release(paths.releases / ".tmp-2025-20260101T000000Z")
    complete_release(paths.output / "candidates" / "2025-20260101T000000Z")
    (paths.releases / "incomplete").mkdir()
    before = pointers(paths)

    with pytest.raises(NotAReleaseError):
        point_latest_to(paths, release_id)
    assert pointers(paths) == before
