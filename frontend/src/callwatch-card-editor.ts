/** The card's visual editor: the account, how many waiting calls, which sections. */

import { LitElement, css, html, type TemplateResult } from "lit";

import { accounts } from "./account";
import {
  DEFAULT_WAITING_CALLS,
  MAX_WAITING_CALLS,
  SECTIONS,
  shownSections,
  type CallwatchCardConfig,
  type Section,
} from "./config";
import type { HomeAssistant } from "./hass";
import { localize, type StringKey } from "./strings";

const SECTION_LABELS: Record<Section, StringKey> = {
  live: "editor_live",
  today: "editor_today",
  waiting: "editor_waiting",
};

class CallwatchCardEditor extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
  };

  declare hass: HomeAssistant | undefined;
  declare _config: CallwatchCardConfig | undefined;

  setConfig(config: CallwatchCardConfig): void {
    this._config = config;
  }

  protected render(): TemplateResult {
    if (!this.hass || !this._config) {
      return html``;
    }
    const t = localize(this.hass.locale?.language ?? this.hass.language);
    const config = this._config;
    const choices = accounts(this.hass);
    const sections = shownSections(config);
    return html`
      <div class="editor">
        <label>
          <span>${t("editor_account")}</span>
          <select
            .value=${config.config_entry_id ?? ""}
            @change=${(event: Event) =>
              this._update({ config_entry_id: (event.target as HTMLSelectElement).value })}
          >
            ${choices.length
              ? choices.map(
                  (choice) =>
                    html`<option
                      value=${choice.entryId}
                      ?selected=${choice.entryId === config.config_entry_id}
                    >
                      ${choice.name}
                    </option>`,
                )
              : html`<option value="">${t("editor_no_accounts")}</option>`}
          </select>
        </label>
        <label>
          <span>${t("editor_title")}</span>
          <input
            type="text"
            .value=${config.title ?? ""}
            @change=${(event: Event) =>
              this._update({ title: (event.target as HTMLInputElement).value || undefined })}
          />
        </label>
        <label>
          <span>${t("editor_waiting_calls")}</span>
          <input
            type="number"
            min="1"
            max=${MAX_WAITING_CALLS}
            step="1"
            .value=${String(config.waiting_calls ?? DEFAULT_WAITING_CALLS)}
            @change=${(event: Event) => {
              const value = Number((event.target as HTMLInputElement).value);
              if (Number.isInteger(value) && value >= 1 && value <= MAX_WAITING_CALLS) {
                this._update({ waiting_calls: value });
              }
            }}
          />
        </label>
        <fieldset>
          <legend>${t("editor_sections")}</legend>
          ${SECTIONS.map(
            (section) => html`
              <label class="check">
                <input
                  type="checkbox"
                  .checked=${sections.includes(section)}
                  @change=${(event: Event) =>
                    this._toggle(section, (event.target as HTMLInputElement).checked)}
                />
                <span>${t(SECTION_LABELS[section])}</span>
              </label>
            `,
          )}
        </fieldset>
      </div>
    `;
  }

  private _toggle(section: Section, shown: boolean): void {
    const current = shownSections(this._config ?? { type: "" });
    const wanted = SECTIONS.filter((name) => (name === section ? shown : current.includes(name)));
    this._update({ sections: wanted.length === SECTIONS.length ? undefined : wanted });
  }

  private _update(change: Partial<CallwatchCardConfig>): void {
    const config: Record<string, unknown> = { ...this._config, ...change };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) {
        delete config[key];
      }
    }
    this._config = config as unknown as CallwatchCardConfig;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }

  static styles = css`
    .editor {
      display: grid;
      gap: 16px;
      color: var(--primary-text-color);
    }
    label {
      display: grid;
      gap: 4px;
    }
    label.check {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 40px;
    }
    select,
    input[type="text"],
    input[type="number"] {
      min-height: 40px;
      padding: 0 8px;
      border: 1px solid var(--divider-color);
      border-radius: 4px;
      background: var(--card-background-color, var(--primary-background-color));
      color: var(--primary-text-color);
      font: inherit;
    }
    input[type="checkbox"] {
      width: 20px;
      height: 20px;
      accent-color: var(--primary-color);
    }
    fieldset {
      margin: 0;
      padding: 8px 12px;
      border: 1px solid var(--divider-color);
      border-radius: 4px;
    }
    :focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 2px;
    }
  `;
}

if (!customElements.get("callwatch-card-editor")) {
  customElements.define("callwatch-card-editor", CallwatchCardEditor);
}
