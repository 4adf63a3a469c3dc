"""Write the versioned GX File Data Context in `expectations/gx/` from `suites.py`.

Run `python -m expectations.scaffold_context` after changing a rule, and commit the result.
For each suite it writes a dataframe asset (data source `landed`), a batch definition over
the whole frame, the suite, a validation definition and a checkpoint. The checkpoints carry
no Data Docs action: the validate step builds the site once, after the last checkpoint,
because rebuilding it after each of them costs more than the validation itself at scale.
GX gives every object a random id; they are replaced by ids derived from the objects'
names, so scaffolding twice gives the same files and a diff shows only real rule changes.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context.types.base import ProgressBarsConfig

from expectations.gx_context import BATCH_DEFINITION, DATA_DOCS_SITE, DATA_SOURCE
from expectations.suites import SUITES
from ingest.config import GX_CONTEXT_DIR
from ingest.tables import PERSONAL_DATA_COLUMNS, TABLES

_ID_NAMESPACE = uuid.UUID("6f1c2a52-3b0e-4d8e-9a57-2f0f4c8d9e11")


def result_format(suite: str) -> dict:
    """COMPLETE, for the index of every failing row. Tables holding personal data leave
    failing values out of the results, so Data Docs cannot show them."""
    table = TABLES.get(suite)
    return {
        "result_format": "COMPLETE",
        "return_unexpected_index_query": False,
        "exclude_unexpected_values": bool(table and PERSONAL_DATA_COLUMNS & set(table.columns)),
    }


def scaffold(gx_dir: Path = GX_CONTEXT_DIR) -> None:
    """(Re)create the context in `gx_dir` (a folder named `gx`)."""
    shutil.rmtree(gx_dir, ignore_errors=True)
    context = gx.get_context(mode="file", project_root_dir=gx_dir.parent)
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    sites = context.variables.data_docs_sites
    sites[DATA_DOCS_SITE]["show_how_to_buttons"] = False  # a published site, not a tutorial
    context.variables.data_docs_sites = sites
    context.variables.save()

    data_source = context.data_sources.add_pandas(DATA_SOURCE)
    stable_ids = {
        context.data_context_id: _stable_id("data_context"),
        data_source.id: _stable_id("data_source", DATA_SOURCE),
    }
    for name, expectations in SUITES.items():
        asset = data_source.add_dataframe_asset(name)
        batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations()))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=name,
                validation_definitions=[validation],
                actions=[],
                result_format=result_format(name),
            )
        )
        stable_ids |= {
            asset.id: _stable_id("asset", name),
            batch_definition.id: _stable_id("batch_definition", name),
            suite.id: _stable_id("suite", name),
            validation.id: _stable_id("validation_definition", name),
            checkpoint.id: _stable_id("checkpoint", name),
        }
        stable_ids |= {
            e.id: _stable_id("expectation", name, e.meta["rule"]) for e in suite.expectations
        }
    _replace_ids(gx_dir, stable_ids)


def _stable_id(*names: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(names)))


def _replace_ids(gx_dir: Path, stable_ids: dict) -> None:
    """Swap GX's random ids for stable ones in every committed file of the context."""
    for path in gx_dir.rglob("*"):
        if path.is_file() and "uncommitted" not in path.relative_to(gx_dir).parts:
            if path.name == ".ge_store_backend_id":
                path.unlink()  # a random id GX writes again when it opens the context
                continue
            text = path.read_text(encoding="utf-8")
            for random_id, stable_id in stable_ids.items():
                text = text.replace(str(random_id), stable_id)
            path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    scaffold()
    print(f"GX context written to {GX_CONTEXT_DIR}")
