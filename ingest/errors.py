"""Errors that stop an ingest run outright, rather than quarantining one file."""

from __future__ import annotations


class NonRetryableError(RuntimeError):
    """A failure that no retry can mend: a required reference file missing or unusable, or
    the pseudonymisation key not configured. The same input fails the same way every time,
    so the pipeline's orchestrator fails the step at once instead of retrying it. Transient
    faults (a storage read that errors) are not of this kind and keep their retries."""


class IngestError(RuntimeError):
    """The ingest run cannot go on."""


class LandingFolderError(IngestError):
    """The landing folder is missing, or the work zone would overlap it."""


class ReferenceDataError(IngestError, NonRetryableError):
    """A required reference file is missing, ambiguous or unusable.

    Nothing can be attributed to an organisation or region without it, so the whole run
    stops rather than quarantining the file.
    """

    def __init__(self, source_file: str, problem: str):
        self.source_file = source_file
        self.problem = problem
        super().__init__(f"{source_file}: {problem}. The run cannot go on without it.")

    def __reduce__(self):
        # Rebuilt from its two fields (and its notes): it crosses from a step's child process
        # (nhs_equity_monitor/child_process.py) with its type, so it still fails at once.
        return type(self), (self.source_file, self.problem), self.__dict__
