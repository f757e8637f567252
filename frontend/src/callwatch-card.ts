/** The Callwatch card: calls in progress, missed today, and the calls waiting for a call back. */

import { LitElement, css, html, nothing, type TemplateResult } from "lit";

import {
  DOMAIN,
  accounts,
  findAccount,
  isAvailable,
  isPhoneNumber,
  liveCalls,
  waitingCalls,
  type Account,
  type LiveCall,
  type WaitingCall,
} from "./account";
import "./callwatch-card-editor";
import {
  DEFAULT_WAITING_CALLS,
  checkConfig,
  shownSections,
  type CallwatchCardConfig,
} from "./config";
import { formatWhen } from "./format";
import type { HassEntity, HomeAssistant } from "./hass";
import { english, localize, type StringKey } from "./strings";

const CARD = "callwatch-card";
const EDITOR = "callwatch-card-editor";

type Localize = ReturnType<typeof localize>;

class CallwatchCard extends LitElement {
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _pending: { state: true },
    _error: { state: true },
  };

  declare hass: HomeAssistant | undefined;
  declare _config: CallwatchCardConfig | undefined;
  declare _pending: ReadonlySet<string>;
  declare _error: string | undefined;

  constructor() {
    super();
    this._pending = new Set();
  }

  static getConfigElement(): HTMLElement {
    return document.createElement(EDITOR);
  }

  /** Return a card for the first account, so that picking the card gives a working one. */
  static getStubConfig(hass: HomeAssistant): CallwatchCardConfig {
    const [first] = accounts(hass);
    return {
      type: `custom:${CARD}`,
      config_entry_id: first?.entryId ?? "",
      waiting_calls: DEFAULT_WAITING_CALLS,
    };
  }

  setConfig(config: CallwatchCardConfig): void {
    this._config = checkConfig(config);
  }

  getCardSize(): number {
    return 1 + shownSections(this._config ?? { type: CARD }).length * 2;
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6 };
  }

  protected render(): TemplateResult {
    const hass = this.hass;
    const config = this._config;
    if (!hass || !config) {
      return html``;
    }
    const t = localize(hass.locale?.language ?? hass.language);
    const account = config.config_entry_id ? findAccount(hass, config.config_entry_id) : undefined;
    const title = config.title || account?.name || t("card_name");
    let body: TemplateResult | TemplateResult[];
    if (!config.config_entry_id) {
      body = this._notice(t("no_account"));
    } else if (!account) {
      body = this._notice(t("account_not_found"));
    } else {
      body = shownSections(config).map((section) =>
        section === "live"
          ? this._live(hass, t, account)
          : section === "today"
            ? this._today(t, account)
            : this._waiting(hass, t, account, config.waiting_calls ?? DEFAULT_WAITING_CALLS),
      );
    }
    return html`
      <ha-card>
        <h1 class="title">${title}</h1>
        <div class="body">${body}</div>
        ${this._error
          ? html`<p class="error" role="alert">${t("action_failed", { error: this._error })}</p>`
          : nothing}
      </ha-card>
    `;
  }

  private _notice(text: string): TemplateResult {
    return html`<p class="notice">${text}</p>`;
  }

  /** Say plainly why a section shows nothing; undefined when its entity has a value. */
  private _missing(t: Localize, entity: HassEntity | undefined): TemplateResult | undefined {
    if (entity === undefined) {
      return this._notice(t("not_shown"));
    }
    return isAvailable(entity) ? undefined : this._notice(t("unavailable"));
  }

  private _live(hass: HomeAssistant, t: Localize, account: Account): TemplateResult {
    const entity = account.live;
    const missing = this._missing(t, entity);
    const calls = entity && !missing ? liveCalls(entity) : [];
    return html`
      <section class="live" aria-labelledby="live-title">
        <h2 id="live-title">
          ${t("live_title")}
          ${missing ? nothing : html`<span class="count">${entity?.state}</span>`}
        </h2>
        ${missing ??
        (calls.length
          ? html`<ul>
              ${calls.map((call) => this._liveCall(hass, t, call))}
            </ul>`
          : this._notice(t("live_empty")))}
      </section>
    `;
  }

  private _liveCall(hass: HomeAssistant, t: Localize, call: LiveCall): TemplateResult {
    const outbound = call.direction === "outbound";
    const who = outbound
      ? (call.calledName ?? call.calledShown)
      : (call.callerName ?? call.callerShown);
    const details = [
      t(outbound ? "outbound" : "inbound"),
      t(call.answered ? "answered" : "ringing"),
      ...(call.since ? [t("since", { time: formatWhen(hass, call.since) })] : []),
    ];
    return html`
      <li class="call ${call.answered ? "answered" : "ringing"}">
        <ha-icon
          aria-hidden="true"
          icon=${outbound ? "mdi:phone-outgoing" : call.answered ? "mdi:phone-in-talk" : "mdi:phone-ring"}
        ></ha-icon>
        <div class="details">
          <div class="who">${who ?? t(outbound ? "unknown_caller" : "withheld")}</div>
          <div class="meta">${details.join(" · ")}</div>
        </div>
      </li>
    `;
  }

  private _today(t: Localize, account: Account): TemplateResult {
    const missing = this._missing(t, account.today);
    return html`
      <section class="today" aria-labelledby="today-title">
        <h2 id="today-title">
          ${t("today_title")}
          ${missing ? nothing : html`<span class="count">${account.today?.state}</span>`}
        </h2>
        ${missing ?? nothing}
      </section>
    `;
  }

  private _waiting(
    hass: HomeAssistant,
    t: Localize,
    account: Account,
    limit: number,
  ): TemplateResult {
    const entity = account.waiting;
    const missing = this._missing(t, entity);
    const calls = entity && !missing ? waitingCalls(entity) : [];
    const total = Math.max(Number(entity?.state) || 0, calls.length);
    const shown = calls.slice(0, limit);
    return html`
      <section class="waiting" aria-labelledby="waiting-title">
        <h2 id="waiting-title">
          ${t("waiting_title")}
          ${missing ? nothing : html`<span class="count">${total}</span>`}
        </h2>
        ${missing ??
        (shown.length
          ? html`<ul>
                ${shown.map((call) => this._waitingCall(hass, t, account, call))}
              </ul>
              ${total > shown.length
                ? html`<p class="more">${t("waiting_more", { count: total - shown.length })}</p>`
                : nothing}
              <div class="footer">
                <button
                  type="button"
                  class="action"
                  aria-label=${t("all_dealt_with_label", { count: total })}
                  ?disabled=${this._pending.has("*")}
                  @click=${() => this._acknowledge(account, "*", {})}
                >
                  ${t("all_dealt_with")}
                </button>
              </div>`
          : this._notice(t("waiting_empty")))}
      </section>
    `;
  }

  private _waitingCall(
    hass: HomeAssistant,
    t: Localize,
    account: Account,
    call: WaitingCall,
  ): TemplateResult {
    const when = formatWhen(hass, call.time);
    const number = call.withheld ? t("withheld") : call.callerShown;
    const who = call.callerName ?? number ?? t("withheld");
    const source: StringKey | undefined =
      call.callerName === null
        ? undefined
        : call.callerNameSource === "phonebook"
          ? "name_from_phonebook"
          : call.callerNameSource === "provider"
            ? "name_from_provider"
            : undefined;
    const which: Record<string, string> | undefined = call.callId
      ? { call_id: call.callId }
      : call.callerNumber && !call.withheld
        ? { caller_number: call.callerNumber }
        : undefined;
    const key = call.callId ?? `${call.time}|${call.callerNumber}`;
    return html`
      <li class="call">
        <ha-icon aria-hidden="true" icon="mdi:phone-missed"></ha-icon>
        <div class="details">
          <div class="who">
            ${who}${source ? html` <span class="source">(${t(source)})</span>` : nothing}
          </div>
          ${call.callerName && number ? html`<div class="number">${number}</div>` : nothing}
          <div class="meta">
            <time datetime=${call.time}>${when}</time>
            ${call.calledShown ? html` · ${t("called", { number: call.calledShown })}` : nothing}
            ${call.voicemail ? html`<span class="badge">${t("voicemail")}</span>` : nothing}
            ${call.catchUp
              ? html`<span class="badge" title=${t("catch_up_explained")}>${t("catch_up")}</span>`
              : nothing}
          </div>
        </div>
        <div class="actions">
          ${isPhoneNumber(call.callerNumber) && !call.withheld
            ? html`<a class="action" href="tel:${call.callerNumber}" aria-label=${t("call_back_label", { who })}>
                ${t("call_back")}
              </a>`
            : nothing}
          ${which
            ? html`<button
                type="button"
                class="action"
                aria-label=${t("dealt_with_label", { who, time: when })}
                ?disabled=${this._pending.has(key)}
                @click=${() => this._acknowledge(account, key, which)}
              >
                ${t("dealt_with")}
              </button>`
            : nothing}
        </div>
      </li>
    `;
  }

  private async _acknowledge(
    account: Account,
    key: string,
    which: Record<string, string>,
  ): Promise<void> {
    if (!this.hass) {
      return;
    }
    this._pending = new Set([...this._pending, key]);
    this._error = undefined;
    try {
      await this.hass.callService(DOMAIN, "acknowledge_missed_calls", {
        config_entry_id: account.entryId,
        ...which,
      });
    } catch (err) {
      this._error = err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err);
    } finally {
      const pending = new Set(this._pending);
      pending.delete(key);
      this._pending = pending;
    }
  }

  static styles = css`
    ha-card {
      padding: 16px;
      color: var(--primary-text-color);
    }
    .title {
      margin: 0 0 8px;
      font-size: var(--ha-card-header-font-size, 24px);
      font-weight: normal;
      line-height: 1.3;
      color: var(--ha-card-header-color, var(--primary-text-color));
    }
    section + section {
      margin-top: 12px;
      padding-top: 12px;
      border-top: 1px solid var(--divider-color);
    }
    h2 {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 8px;
      margin: 0 0 4px;
      font-size: 1em;
      font-weight: 500;
    }
    .count {
      font-size: 1.5em;
      font-weight: 400;
      font-variant-numeric: tabular-nums;
    }
    ul {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    .call {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 12px;
      padding: 8px 0;
    }
    .call + .call {
      border-top: 1px solid var(--divider-color);
    }
    ha-icon {
      color: var(--state-icon-color, var(--secondary-text-color));
      flex: none;
    }
    .ringing ha-icon {
      color: var(--warning-color);
    }
    .waiting ha-icon {
      color: var(--error-color);
    }
    .details {
      flex: 1 1 12em;
      min-width: 0;
    }
    .who {
      font-weight: 500;
      overflow-wrap: anywhere;
    }
    .source,
    .number,
    .meta,
    .more,
    .notice {
      color: var(--secondary-text-color);
      font-size: 0.9em;
    }
    .source {
      font-weight: normal;
    }
    .badge {
      display: inline-block;
      margin-left: 6px;
      padding: 0 6px;
      border-radius: 8px;
      font-size: 0.85em;
      color: var(--text-primary-color, #fff);
      background: var(--primary-color);
    }
    .actions {
      display: flex;
      gap: 8px;
      margin-left: auto;
    }
    .action {
      display: inline-flex;
      align-items: center;
      min-height: 40px;
      padding: 0 14px;
      border: 1px solid var(--primary-color);
      border-radius: 20px;
      background: none;
      color: var(--primary-color);
      font: inherit;
      font-weight: 500;
      text-decoration: none;
      cursor: pointer;
    }
    .action:hover {
      background: rgba(var(--rgb-primary-color, 3, 169, 244), 0.12);
    }
    .action:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 2px;
    }
    .action[disabled] {
      opacity: 0.5;
      cursor: default;
    }
    .footer {
      display: flex;
      justify-content: flex-end;
      padding-top: 8px;
    }
    .notice,
    .more {
      margin: 4px 0;
    }
    .error {
      margin: 8px 0 0;
      color: var(--error-color);
    }
  `;
}

declare global {
  interface Window {
    customCards?: { type: string; name: string; description: string; preview?: boolean; documentationURL?: string }[];
  }
}

if (!customElements.get(CARD)) {
  customElements.define(CARD, CallwatchCard);
  window.customCards = window.customCards ?? [];
  window.customCards.push({
    type: CARD,
    name: english("card_name"),
    description: english("card_description"),
    preview: true,
    documentationURL: "https://github.com/callwatch/callwatch#the-dashboard-card",
  });
}
