"""The table of providers is the one place the Home Assistant side names a provider."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from custom_components.callwatch.config_flow import CallwatchConfigFlow
from custom_components.callwatch.provider_specs import PROVIDER_SPECS

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "callwatch"


def _names_of_providers(path: Path) -> list[str]:
    """Return where a module's code names a provider: a key, a client, a helper."""
    keys = set(PROVIDER_SPECS)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if node.value.lower() in keys else []
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(
            node, ast.alias | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            names = [node.name]
        else:
            continue
        found += [
            f"{path.name}:{getattr(node, 'lineno', '?')}: {name}"
            for name in names
            if any(key in name.lower() for key in keys)
        ]
    return found


def test_only_the_provider_table_names_providers() -> None:
    """A fourth provider touches no module of the Home Assistant side but the table."""
    glue = [
        path
        for path in INTEGRATION.rglob("*.py")
        if "providers" not in path.relative_to(INTEGRATION).parts
        and path.name != "provider_specs.py"
    ]
    assert glue
    assert [hit for path in sorted(glue) for hit in _names_of_providers(path)] == []


def test_every_provider_has_a_step_its_secrets_in_its_form() -> None:
    """Each spec's secrets are fields of its form, redacted, and the flow has its step."""
    for provider, spec in PROVIDER_SPECS.items():
        assert spec.provider == provider
        assert spec.secret_fields
        assert set(spec.secret_fields) <= {str(key) for key in spec.form.schema}
        assert set(spec.secret_fields) <= spec.redacted
        assert callable(getattr(CallwatchConfigFlow, f"async_step_{provider}"))


def test_every_field_of_a_spec_has_a_label() -> None:
    """A spec's form, advanced and option fields are all named in the strings."""
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    options = strings["options"]["step"]
    for provider, spec in PROVIDER_SPECS.items():
        step = strings["config"]["step"][provider]
        assert {str(key) for key in spec.form.schema} <= set(step["data"]), provider
        advanced = {str(key) for key in spec.advanced_fields}
        if advanced:
            assert advanced <= set(step["sections"]["advanced"]["data"]), provider
        for options_step in ("init", "push_options"):
            labels = set(options[options_step]["data"])
            assert {str(key) for key in spec.options} <= labels, provider
