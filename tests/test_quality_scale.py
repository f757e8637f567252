"""quality_scale.yaml: every rule of every tier, each done, or exempt or todo with a reason.

hassfest does not validate this file for custom integrations, so this test does.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.util.yaml import load_yaml_dict
import voluptuous as vol

RULES = {
    "bronze": {
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    },
    "silver": {
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    },
    "gold": {
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    },
    "platinum": {"async-dependency", "inject-websession", "strict-typing"},
}
ALL_RULES = set().union(*RULES.values())

RULE_SCHEMA = vol.Any(
    vol.In(["done", "todo"]),
    vol.Schema(
        {
            vol.Required("status"): vol.In(["done", "todo", "exempt"]),
            vol.Optional("comment"): vol.All(str, vol.Length(min=10)),
        }
    ),
)
SCHEMA = vol.Schema({vol.Required("rules"): {vol.In(ALL_RULES): RULE_SCHEMA}})

PATH = (
    Path(__file__).parent.parent
    / "custom_components"
    / "callwatch"
    / "quality_scale.yaml"
)


def _rules() -> dict[str, object]:
    data = SCHEMA(load_yaml_dict(str(PATH)))
    rules: dict[str, object] = data["rules"]
    return rules


def test_every_rule_is_listed() -> None:
    """Every rule is listed."""
    assert len(ALL_RULES) == 52
    assert set(_rules()) == ALL_RULES


def test_every_rule_that_is_not_done_says_why() -> None:
    """A rule is done, or exempt or left to do with its reason."""
    for rule, status in _rules().items():
        if isinstance(status, dict):
            if status["status"] != "done":
                assert status.get("comment"), rule
        else:
            assert status == "done", rule
