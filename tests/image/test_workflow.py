"""The image config block: every key has a default and a description; typos fail.

The tiny CI study itself (.test/config/image.yaml) runs end to end in CI.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def test_schema_keys_have_defaults_and_typos_fail():
    schema = yaml.safe_load((REPO / "workflow/schemas/image.schema.yaml").read_text())
    jsonschema.validate({}, schema)  # `image: {}` is a valid block
    for key, sub in schema["properties"].items():
        assert "default" in sub and "description" in sub, key
        for name, leaf in sub.get("properties", {}).items():
            assert "default" in leaf and "description" in leaf, f"{key}.{name}"
    with pytest.raises(jsonschema.ValidationError, match="tag_klass"):
        jsonschema.validate({"clever_hans": {"tag_klass": 1}}, schema)
