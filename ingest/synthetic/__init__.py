"""A deterministic generator of a fictional nation's landing folder.

It writes every file of the input contract (reference files, WRES workbooks, staff survey
responses, concerns extracts) for an invented nation of trusts in the seven NHS England
regions, with realistic inequities built in so that every published metric has something
to find (see trends.py). Nothing in it describes a real organisation or person.

    python -m ingest.synthetic --landing DIR [--scale 1.0] [--trusts 210]
        [--first-year 2019] [--last-year 2025] [--seed 20261130] [--sample]
"""

from ingest.synthetic.generate import SAMPLE_NATION, LandingNotEmptyError, generate_nation

__all__ = ["SAMPLE_NATION", "LandingNotEmptyError", "generate_nation"]
