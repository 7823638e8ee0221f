"""The JSON document's schema (schemas/document.schema.json): today's documents, with and without the
survey, evidence and panel sections, and a document written before those sections existed."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import ROOT, SEED

EXAMPLES = ROOT / "docs" / "examples"


@pytest.fixture(scope="session")
def check():
    from jixiao.schema import document_schema, validator

    v = validator(json.loads((ROOT / "schemas" / "document.schema.json").read_text(encoding="utf-8")))
    assert v.schema == document_schema()
    return lambda doc: [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(doc)]


@pytest.fixture(scope="session")
def panel_doc():
    from conftest import run_cli

    r = run_cli("evaluate", EXAMPLES / "consumer-protection-2018-panel" / "evaluation.toml", "-f", "json")
    assert r.code == 0, r
    return r.json()


def test_document_written_before_the_optional_sections_validates(check):
    # written by jixiao at commit da76d2c (before the evidence register, surveys and panels)
    old = json.loads((ROOT / "tests" / "data" / "documents" / "seed-da76d2c.json").read_text(encoding="utf-8"))
    assert "evidence" not in old and "panel" not in old and "surveys" not in old
    assert check(old) == []


@pytest.mark.parametrize("config", [SEED, EXAMPLES / "consumer-protection-2018-survey" / "evaluation.toml",
                                    EXAMPLES / "pefa-2016" / "evaluation.toml"])
def test_todays_documents_validate(cli, check, config):
    r = cli("evaluate", config, "-f", "json")
    assert r.code == 0, r
    assert check(r.json()) == []


def test_panel_and_evidence_sections_validate_and_are_checked(check, panel_doc):
    assert check(panel_doc) == []
    bad = copy.deepcopy(panel_doc)
    a22 = next(i for i in bad["indicators"] if i["code"] == "A22")
    a22["panel"]["applies"] = "both"
    del a22["panel"]["experts"][0]["score"]
    bad["evidence"]["entries"][0]["sha256"] = "not-a-hash"
    bad["panel"]["method"] = "average"
    errors = check(bad)
    assert any("'both' is not one of" in e for e in errors)
    assert any("'score' is a required property" in e for e in errors)
    assert any("'entries', 0, 'sha256']: 'not-a-hash' is not valid" in e for e in errors)
    assert any("'average' is not one of" in e for e in errors)


def test_schema_command_prints_the_document_schema(cli):
    r = cli("schema", "document")
    assert r.code == 0 and json.loads(r.stdout)["title"] == "jixiao JSON document"
