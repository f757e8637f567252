"""What hassfest and HACS would check, since neither runs here."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
import tomllib
from typing import Any

from homeassistant.util.yaml import load_yaml_dict
from PIL import Image

from custom_components.callwatch.const import DOMAIN
from custom_components.callwatch.event import MISSED_CALL
from custom_components.callwatch.provider_specs import PROVIDER_SPECS
from custom_components.callwatch.sensor import SENSORS

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / DOMAIN
REQUIREMENTS = ROOT / "requirements"
# https://hacs.xyz/docs/publish/start/#hacsjson
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
    "render_readme",
}
# Reasons Home Assistant's own helpers abort with.
HELPER_ABORTS = {"already_configured", "reauth_successful", "reconfigure_successful"}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _source() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8") for path in sorted(INTEGRATION.glob("*.py"))
    )


def _strings() -> dict[str, Any]:
    strings: dict[str, Any] = _json(INTEGRATION / "strings.json")
    return strings


def test_manifest() -> None:
    """The manifest has its keys in order and says what HACS and Home Assistant need."""
    manifest = _json(INTEGRATION / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == DOMAIN
    for key in ("documentation", "issue_tracker", "codeowners", "version"):
        assert manifest[key], key
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "cloud_polling"
    assert manifest["integration_type"] == "service"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])


def _pins(path: Path) -> list[str]:
    """Return a requirements file's pins, without comments or included files."""
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def test_manifest_requirements_are_what_both_ends_install() -> None:
    """Adding a requirement is one line in the manifest and one in integration.txt."""
    manifest = _json(INTEGRATION / "manifest.json")
    assert manifest["requirements"] == _pins(REQUIREMENTS / "integration.txt")
    for requirement in manifest["requirements"]:
        assert re.fullmatch(r"[A-Za-z0-9._-]+==[\w.]+", requirement), requirement
    for end in ("oldest", "newest", "e2e-newest"):
        assert "-r integration.txt" in (REQUIREMENTS / f"{end}.txt").read_text(), end


def test_hacs_json() -> None:
    """hacs.json has only HACS's keys and the oldest release we test."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]
    # The oldest release we say we support is the one the oldest end tests.
    oldest = _pins(REQUIREMENTS / "oldest.txt")
    assert f"homeassistant=={hacs['homeassistant']}" in oldest


def test_license_is_mit() -> None:
    """HACS's action wants a LICENSE; pyproject.toml says MIT."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 Callwatch contributors" in text
    assert "WITHOUT WARRANTY OF ANY KIND" in text
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"


def test_english_translation_is_strings_json() -> None:
    """English translation is strings json."""
    assert _json(INTEGRATION / "translations" / "en.json") == _strings()


def test_strings_are_literal() -> None:
    """Every translation string is literal text, never a [%key:...] reference."""

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        else:
            assert isinstance(node, str), path
            assert node.strip(), path
            assert "[%key:" not in node, path

    walk(_strings(), "strings")


def _errors(source: str) -> set[str]:
    return set(re.findall(r'(?:"base"|CONF_\w+): "(\w+)"', source))


def test_every_flow_step_error_and_abort_has_strings() -> None:
    """Every flow step error and abort has strings."""
    source = (INTEGRATION / "config_flow.py").read_text(encoding="utf-8")
    config_part, rest = source.split("class CallwatchOptionsFlow")
    options_part, shared_part = rest.split("async def _async_check_account")
    strings = _strings()
    config, options = strings["config"], strings["options"]

    steps = set(re.findall(r'step_id="(\w+)"', config_part)) | set(PROVIDER_SPECS)
    for step in steps:
        assert config["step"][step]["title"], step
    for step in re.findall(r'step_id="(\w+)"', options_part):
        assert options["step"][step]["title"], step
    for section in (config, options):
        for step, texts in section["step"].items():
            assert set(texts["data_description"]) <= set(texts["data"]), step

    shared = _errors(shared_part)
    assert shared
    assert _errors(config_part) | shared <= set(config["error"])
    assert _errors(options_part) | shared <= set(options["error"])
    aborts = set(re.findall(r'reason="(\w+)"', source)) | HELPER_ABORTS
    assert aborts <= set(config["abort"])


def test_every_provider_has_a_name() -> None:
    """Every provider has a name."""
    assert set(_strings()["selector"]["provider"]["options"]) == set(PROVIDER_SPECS)


def test_every_entity_has_a_name_and_an_icon() -> None:
    """Every entity has a name and an icon."""
    strings = _strings()["entity"]
    icons = _json(INTEGRATION / "icons.json")["entity"]
    entities = [("sensor", description.translation_key) for description in SENSORS]
    entities.append(("event", MISSED_CALL.translation_key))
    for platform, key in entities:
        assert key is not None
        assert strings[platform][key]["name"], key
        assert icons[platform][key]["default"].startswith("mdi:"), key
    assert set(
        strings["event"]["missed_call"]["state_attributes"]["event_type"]["state"]
    ) == set(MISSED_CALL.event_types or [])


def test_every_translated_exception_has_a_message() -> None:
    """Every translated exception has a message."""
    keys = set(
        re.findall(r'translation_domain=DOMAIN,\s*translation_key="(\w+)"', _source())
    )
    assert keys
    exceptions = _strings()["exceptions"]
    for key in keys:
        assert exceptions[key]["message"], key


def test_brand_icons() -> None:
    """Home Assistant 2026.3 and later show these for a custom integration."""
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        with Image.open(INTEGRATION / "brand" / name) as image:
            assert image.format == "PNG"
            assert image.size == (size, size)
            assert image.mode == "RGBA"


def test_services_yaml_matches_the_strings() -> None:
    """Services yaml matches the strings."""
    services = load_yaml_dict(str(INTEGRATION / "services.yaml"))
    strings = _strings()["services"]
    icons = _json(INTEGRATION / "icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for service, spec in services.items():
        assert set(spec["fields"]) == set(strings[service]["fields"])


# Clocks that measure how long code took; a test that reads them would fail when the
# machine is busy. Timing lives in benchmarks/, as ratios measured in one run.
STOPWATCHES = {"perf_counter", "perf_counter_ns", "process_time", "thread_time"}
WALL_CLOCKS = STOPWATCHES | {"time", "monotonic", "monotonic_ns", "time_ns"}


def test_no_test_asserts_wall_clock_time() -> None:
    """No test asserts wall clock time."""
    offences = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in STOPWATCHES:
                offences.append(f"{path.name}:{node.lineno} reads {node.attr}")
            if isinstance(node, ast.Assert) and any(
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in WALL_CLOCKS
                and isinstance(inner.func.value, ast.Name)
                and inner.func.value.id == "time"
                for inner in ast.walk(node.test)
            ):
                offences.append(f"{path.name}:{node.lineno} asserts a time")
    assert offences == []
