"""The text block of every shipped config is valid; `text: {}` gets full defaults."""

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "text.schema.yaml"


def _validate(block):
    from snakemake.utils import validate

    validate(block, schema=str(SCHEMA))
    return block


def test_empty_block_gets_defaults():
    block = _validate({})
    assert block["remove"] == ["headers", "footers", "quotes"]
    assert block["cnn"]["widths"] == [1, 2, 3]
    assert block["explain"]["composite"] == "epsilon"
    assert block["deletion"]["n_deleted"] == 10


@pytest.mark.parametrize("path", ["config/config.yaml", "config/demo.yaml",
                                  ".test/config/text.yaml"])
def test_shipped_blocks_are_valid(path):
    block = yaml.safe_load((REPO / path).read_text())["text"]
    _validate(block)
    if path == "config/config.yaml":
        assert block["categories"] is None  # all 20 classes


def test_unknown_key_is_rejected():
    from snakemake.exceptions import WorkflowError

    with pytest.raises(WorkflowError):
        _validate({"cnn": {"n_filter": 3}})
