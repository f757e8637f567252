"""The Callwatch card in a real dashboard: what it shows, what its buttons do, pictures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

import aiohttp

from simulator.homeassistant import Tokens, api

from .browser import DEEP_FIND, Page

CARD = "callwatch-card"
# Phone and wall-tablet widths, each in the light and the dark theme.
SCREENS = {"phone": (412, 915, True), "tablet": (1280, 800, False)}
SCHEMES = ("light", "dark")


@dataclass
class CardCase:
    """What the card is shown for and what it must show."""

    base: str
    tokens: Tokens
    entry_id: str
    account: str
    entities: dict[str, str]
    named_caller: str
    name: str
    waiting_calls: int


def _card_state(case: CardCase) -> str:
    """Return JavaScript that reads the card and, in the same tick, the states it shows."""
    ids = json.dumps(
        {
            "live": case.entities["sensor/active_calls"],
            "today": case.entities["sensor/missed_calls_today"],
            "waiting": case.entities["sensor/waiting_missed_calls"],
        }
    )
    return f"""(async () => {{
  const [card] = window.callwatchFind("{CARD}");
  if (!card || !card.hass) return null;
  await card.updateComplete;
  const root = card.shadowRoot;
  const text = (element) => element ? element.textContent.replace(/\\s+/g, " ").trim() : null;
  const ids = {ids};
  const states = Object.fromEntries(
    Object.entries(ids).map(([key, id]) => [key, card.hass.states[id]]));
  return {{
    title: text(root.querySelector(".title")),
    notices: [...root.querySelectorAll(".notice")].map(text),
    live_count: text(root.querySelector("section.live .count")),
    live: [...root.querySelectorAll("section.live li")].map((li) => text(li.querySelector(".who"))),
    today: text(root.querySelector("section.today .count")),
    waiting_count: text(root.querySelector("section.waiting .count")),
    waiting: [...root.querySelectorAll("section.waiting li")].map((li) => ({{
      who: text(li.querySelector(".who")),
      call_back: li.querySelector("a.action")?.getAttribute("href") ?? null,
      call_back_label: li.querySelector("a.action")?.getAttribute("aria-label") ?? null,
      dealt_with_label: li.querySelector("button")?.getAttribute("aria-label") ?? null,
    }})),
    unlabelled: [...root.querySelectorAll("button, a")].filter(
      (control) => !control.getAttribute("aria-label")).length,
    states,
  }};
}})()"""


def _expected_who(call: dict[str, Any]) -> str:
    return str(
        call.get("caller_name")
        or call.get("caller_number_for_reading")
        or call.get("caller_number")
        or "Withheld number"
    )


def _check_agrees(state: dict[str, Any], limit: int) -> None:
    """The card shows what the sensors say, at the same moment."""
    states = state["states"]
    assert state["live_count"] == states["live"]["state"], state
    assert len(state["live"]) == len(states["live"]["attributes"]["calls"]), state
    assert state["today"] == states["today"]["state"], state
    assert state["waiting_count"] == states["waiting"]["state"], state
    calls = states["waiting"]["attributes"]["calls"][:limit]
    assert [shown["who"].split(" (")[0] for shown in state["waiting"]] == [
        _expected_who(call) for call in calls
    ], state
    for shown, call in zip(state["waiting"], calls, strict=True):
        number = call["caller_number"] or ""
        if number.startswith("+"):
            assert shown["call_back"] == f"tel:{number}", shown
        else:
            assert shown["call_back"] is None, shown
    assert state["unlabelled"] == 0, state


async def check_card_picker(page: Page, dashboard_url: str) -> None:
    """Edit a masonry view, press its *Add card*: the picker lists the card."""
    await page.navigate(f"{dashboard_url}?edit=1")
    await page.wait_for(
        """(() => {
  const [view] = window.callwatchFind("hui-masonry-view");
  if (!view) return false;
  // Up to 2025: a floating ha-fab; since 2026: an ha-button under the columns.
  const [fab] = window.callwatchFind("ha-fab", view.shadowRoot);
  const add = fab ?? [...view.shadowRoot.children].find(
    (element) => element.localName === "ha-button");
  if (!add) return false;
  add.click();
  return true;
})()""",
        60,
        "the dashboard's Add card button in edit mode",
    )
    deep_text = """
  const deepText = (node) => {
    let text = node.nodeType === Node.TEXT_NODE ? node.data : "";
    if (node.shadowRoot) text += deepText(node.shadowRoot);
    for (const child of node.childNodes) text += deepText(child);
    return text;
  };
  const shown = [
    ...window.callwatchFind("hui-card-picker"),
    ...window.callwatchFind("hui-dialog-create-card"),
  ].map(deepText).join(" ").replace(/\\s+/g, " ");"""
    try:
        await page.wait_for(
            f"""(() => {{{deep_text}
  if (shown.includes("Callwatch calls")) return true;
  // Since 2026 the dialog opens on suggestions by entity: browse all cards.
  const browse = window.callwatchFind("ha-button, button, ha-tab-group-tab").find(
    (element) => deepText(element).trim() === "Browse all cards");
  browse?.click();
  return false;
}})()""",
            60,
            "the card in the card picker",
        )
    except AssertionError as err:
        # Say what the picker showed instead, to tell a changed frontend from a bug.
        shown = await page.evaluate(
            f"""{DEEP_FIND}
(() => {{{deep_text}
  return shown.slice(0, 2000);
}})()"""
        )
        raise AssertionError(f"{err}; the picker showed: {shown!r}") from err


async def check_picker_and_editor(page: Page, case: CardCase) -> None:
    """The card picker lists the card; its stub config and its editor work."""
    listed = await page.wait_for(
        f"document.querySelector('home-assistant')?.hass?.devices &&"
        f" (window.customCards || []).find((card) => card.type === '{CARD}')",
        30,
        "the card in window.customCards",
    )
    assert listed["name"] == "Callwatch calls", listed
    stub = await page.evaluate(
        f"""(async () => {{
  const hass = document.querySelector("home-assistant").hass;
  const cardClass = customElements.get("{CARD}");
  const config = cardClass.getStubConfig(hass);
  const card = document.createElement("{CARD}");
  card.setConfig(config);
  card.hass = hass;
  document.body.appendChild(card);
  await card.updateComplete;
  const editor = cardClass.getConfigElement();
  editor.hass = hass;
  editor.setConfig(config);
  document.body.appendChild(editor);
  await editor.updateComplete;
  const text = (element) => element.textContent.replace(/\\s+/g, " ").trim();
  const result = {{
    config,
    title: text(card.shadowRoot.querySelector(".title")),
    sections: [...card.shadowRoot.querySelectorAll("section h2")].map(text),
    accounts: [...editor.shadowRoot.querySelectorAll("select option")].map(
      (option) => [option.value, text(option)]),
    labels: [...editor.shadowRoot.querySelectorAll("label, legend")].map(text),
    unlabelled: [...editor.shadowRoot.querySelectorAll("input, select")].filter(
      (control) => !control.closest("label")).length,
  }};
  card.remove();
  editor.remove();
  return result;
}})()"""
    )
    assert stub["config"]["config_entry_id"] == case.entry_id, stub
    assert stub["title"] == case.account, stub
    assert [heading.rstrip(" 0123456789") for heading in stub["sections"]] == [
        "On the phone now",
        "Missed today",
        "Waiting to be called back",
    ], stub
    assert [case.entry_id, case.account] in stub["accounts"], stub
    assert stub["unlabelled"] == 0, stub


async def check_card(page: Page, case: CardCase) -> dict[str, Any]:
    """Wait for a live call, then check the card against the sensors."""
    state = await page.wait_for(
        f"""(async () => {{
  const state = await {_card_state(case)};
  return state && Number(state.live_count) > 0 &&
    state.live.length === state.states.live.attributes.calls.length ? state : null;
}})()""",
        120,
        "the card to show a live call",
    )
    _check_agrees(state, case.waiting_calls)
    assert int(state["today"]) >= 1, state
    named = [shown for shown in state["waiting"] if shown["who"].startswith(case.name)]
    assert len(named) == 1, state
    assert named[0]["who"] == f"{case.name} (from your phonebook)", named
    assert named[0]["call_back"] == f"tel:{case.named_caller}", named
    assert named[0]["call_back_label"] == f"Call back {case.name}", named
    return dict(state)


async def deal_with_one(
    page: Page, session: aiohttp.ClientSession, case: CardCase
) -> tuple[str, int]:
    """Press *Dealt with* on the named caller's call: that call goes, and only it."""
    before = await page.wait_for(
        f"""(async () => {{
  const state = await {_card_state(case)};
  return state && state.waiting.length > 0 ? state : null;
}})()""",
        60,
        "the card's waiting calls",
    )
    calls = before["states"]["waiting"]["attributes"]["calls"]
    [target] = [call for call in calls if call["caller_number"] == case.named_caller]
    others = [_identity(call) for call in calls if call is not target]
    label = f"Mark the call from {case.name} at "
    pressed = await page.evaluate(
        f"""(() => {{
  const [card] = window.callwatchFind("{CARD}");
  const button = [...card.shadowRoot.querySelectorAll("button")].find(
    (candidate) => candidate.getAttribute("aria-label").startsWith({json.dumps(label)}));
  if (!button) return false;
  button.click();
  return true;
}})()"""
    )
    assert pressed, before
    after = await page.wait_for(
        f"""(async () => {{
  const state = await {_card_state(case)};
  return state && !state.states.waiting.attributes.calls.some(
    (call) => call.caller_number === {json.dumps(target["caller_number"])} &&
      call.time === {json.dumps(target["time"])}) ? state : null;
}})()""",
        30,
        "the call to be dealt with",
    )
    _check_agrees(after, case.waiting_calls)
    assert not any(shown["who"].startswith(case.name) for shown in after["waiting"])
    remaining = {
        _identity(call) for call in after["states"]["waiting"]["attributes"]["calls"]
    }
    assert set(others) <= remaining, (others, remaining)
    # Home Assistant says the same, over its REST API.
    sensor = await api(
        session,
        case.tokens,
        "GET",
        f"{case.base}/api/states/{case.entities['sensor/waiting_missed_calls']}",
    )
    left = {_identity(call) for call in sensor["attributes"]["calls"]}
    assert _identity(target) not in left, sensor
    assert set(others) <= left, (others, sensor)
    return _identity(target), int(after["waiting_count"])


def _identity(call: dict[str, Any]) -> str:
    """Tell a waiting call apart: by its id, else (Enswitch lists none) caller and time."""
    return call["call_id"] or f"{call['caller_number']} at {call['time']}"


async def _show_card(
    page: Page, case: CardCase, url: str, folder: Path, name: str
) -> None:
    """Open the card's view; once more if the first load shows no card in time."""
    shown = (
        f"(async () => {{ const state = await {_card_state(case)};"
        " return state && state.waiting.length > 0; })()"
    )
    for attempt in (1, 2):
        await page.navigate(url)
        try:
            await page.wait_for(shown, 45, f"the card ({name}, load {attempt})")
        except AssertionError:
            await page.screenshot(folder / f"failed-{name}-{attempt}.png")
            print(
                "card not shown:",
                await page.evaluate(
                    """(async () => ({
  defined: Boolean(customElements.get("callwatch-card")),
  inline: [...document.scripts].some((script) => script.textContent.includes("callwatch")),
  fetched: performance.getEntriesByType("resource").map((entry) => entry.name).filter(
    (name) => name.includes("callwatch")),
  controller: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller),
  editor: Boolean(customElements.get("callwatch-card-editor")),
  ha_card: Boolean(customElements.get("ha-card")),
  reimport: await Promise.race([
    import(performance.getEntriesByType("resource").map((entry) => entry.name).find(
      (name) => name.includes("callwatch-card.js"))).then(
      () => "loaded: " + Boolean(customElements.get("callwatch-card")),
      (err) => "failed: " + err),
    new Promise((done) => setTimeout(() => done("still pending after 5 s"), 5000)),
  ]),
}))()"""
                ),
                page.console_errors,
                flush=True,
            )
            if attempt == 2:
                raise
        else:
            return


async def screenshots(page: Page, case: CardCase, folder: Path, url: str) -> list[Path]:
    """Save the card's view in the light and dark themes, at phone and tablet widths."""
    saved = []
    for screen, (width, height, mobile) in SCREENS.items():
        await page.viewport(width, height, mobile=mobile)
        for scheme in SCHEMES:
            await page.color_scheme(scheme)
            await _show_card(page, case, url, folder, f"{screen}-{scheme}")
            # Let the theme and the icons settle.
            await asyncio.sleep(2)
            target = folder / f"card-{screen}-{scheme}.png"
            size = await page.screenshot(target)
            assert size > 10_000, f"{target} is suspiciously small ({size} bytes)"
            saved.append(target)
    await page.color_scheme("light")
    await page.viewport(1280, 800, mobile=False)
    return saved


def card_view(entry_id: str, waiting_calls: int) -> dict[str, Any]:
    """Return a dashboard view with the card alone, as wide as the screen."""
    return {
        "title": "Card",
        "path": "card",
        "panel": True,
        "cards": [
            {
                "type": f"custom:{CARD}",
                "config_entry_id": entry_id,
                "waiting_calls": waiting_calls,
            }
        ],
    }
