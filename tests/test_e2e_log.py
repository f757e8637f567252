"""The end-to-end test reads hass's log with the same guard as the tests."""

from __future__ import annotations

from pathlib import Path

from e2e.run import _deprecation_warnings

LOG = """\
2026-12-02 08:26:32.169+00:00 WARNING (SyncWorker_0) [homeassistant.loader] We found a custom integration callwatch which has not been tested by Home Assistant.
2026-12-02 08:26:33.170+00:00 WARNING (MainThread) [homeassistant.helpers.deprecation] The deprecated function show_advanced_options was called from callwatch. It will be removed in HA Core 2027.6.0.
2026-12-02 08:26:33.171+00:00 WARNING (MainThread) [homeassistant.helpers.frame] Detected that custom integration 'callwatch' has an update listener and should use it for scheduling a reload at custom_components/callwatch/config_flow.py, line 1: x. This will stop working in Home Assistant 2026.12.0
  File "/x/homeassistant/helpers/frame.py", line 1, in report_usage
2026-12-02 08:26:33.172+00:00 DEBUG (MainThread) [custom_components.callwatch] a deprecated field from callwatch's provider
"""


def test_the_log_guard_finds_both_kinds(tmp_path: Path) -> None:
    """The log guard finds both kinds."""
    log = tmp_path / "home-assistant.log"
    log.write_text(LOG)
    found = _deprecation_warnings(log)
    assert len(found) == 2
    assert found[0].startswith("The deprecated function show_advanced_options")
    assert found[1].startswith("Detected that custom integration 'callwatch'")
