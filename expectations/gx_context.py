"""The GX File Data Context at run time: a copy of `expectations/gx/` in the work zone.

Validation results and Data Docs are written next to that copy, so a run never writes
into the repository. (The package `__init__` has already turned GX's INFO logging down.)
GX is imported and the context opened only when a checkpoint first runs or Data Docs are
built: importing GX costs seconds, and a rerun whose every verdict is reused needs neither.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ingest.config import GX_CONTEXT_DIR

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext

DATA_SOURCE = "landed"
BATCH_DEFINITION = "all_files"
DATA_DOCS_SITE = "local_site"


def open_work_context(work: Path) -> AbstractDataContext:
    """Copy the versioned context (without its `uncommitted/`) to `<work>/gx` and open it."""
    import great_expectations as gx

    skip_batch_fingerprint()
    target = work / "gx"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(GX_CONTEXT_DIR, target, ignore=shutil.ignore_patterns("uncommitted"))
    return gx.get_context(mode="file", project_root_dir=work)


def skip_batch_fingerprint() -> None:
    """Make GX's pandas engine skip its batch fingerprint: an md5 of every value of every
    batch, recorded in the result's batch markers and read by nothing here (about a tenth
    of validation's CPU at ten years). GX skips it for frames above HASH_THRESHOLD bytes; a
    threshold of 0 skips it for all. Fails loudly if a GX upgrade drops the setting."""
    from great_expectations.execution_engine import pandas_execution_engine

    if not hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        raise RuntimeError("great_expectations no longer has pandas_execution_engine.HASH_THRESHOLD")
    pandas_execution_engine.HASH_THRESHOLD = 0


def run_checkpoint(
    context: AbstractDataContext, name: str, frame: pd.DataFrame, parameters: dict
) -> ExpectationSuiteValidationResult:
    """Validate `frame` with the checkpoint of the same name; GX stores the result for
    Data Docs."""
    result = context.checkpoints.get(name).run(
        batch_parameters={"dataframe": frame}, expectation_parameters=parameters
    )
    (validation,) = result.run_results.values()
    return validation


def publish_data_docs(context: AbstractDataContext, work: Path, destination: Path) -> None:
    """Build the Data Docs site from every stored result, once, and copy it to `destination`."""
    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    site = work / "gx" / "uncommitted" / "data_docs" / DATA_DOCS_SITE
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(site, destination)


class WorkContext:
    """The run's context, opened on first use."""

    def __init__(self, work: Path):
        self._work = work
        self._context: AbstractDataContext | None = None

    @property
    def context(self) -> AbstractDataContext:
        if self._context is None:
            self._context = open_work_context(self._work)
        return self._context

    def open(self) -> None:
        """Open the context now (importing GX), e.g. before forking workers that share it."""
        _ = self.context

    def run_checkpoint(self, name: str, frame: pd.DataFrame, parameters: dict) -> ExpectationSuiteValidationResult:
        return run_checkpoint(self.context, name, frame, parameters)

    def publish_data_docs(self, destination: Path) -> None:
        publish_data_docs(self.context, self._work, destination)
