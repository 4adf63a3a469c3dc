"""Publish step: every `access: public` dbt model as an immutable, checksummed release."""
