"""Provenance is never null: git in a checkout, the build stamp in a wheel, else no run."""

from __future__ import annotations

import re

import pytest

from nhs_equity_monitor import provenance


def test_a_checkout_reads_its_commit_and_dirty_flag_from_git():
    code = provenance.code_provenance()
    assert code["source"] == "git checkout"
    assert re.fullmatch(r"[0-9a-f]{40}", code["commit"])
    assert isinstance(code["dirty"], bool)


def test_an_installed_copy_uses_its_build_stamp_or_refuses(monkeypatch):
    monkeypatch.setattr(provenance, "_checkout_root", lambda: None)
    monkeypatch.setattr(provenance, "read_stamp", lambda: None)
    with pytest.raises(provenance.ProvenanceError, match="build_stamp.json"):
        provenance.code_provenance()
    stamp = {"version": "0.1.0", "commit": "b" * 40, "dirty": False}
    monkeypatch.setattr(provenance, "read_stamp", lambda: stamp)
    assert provenance.code_provenance() == {"source": "build stamp", **stamp}
