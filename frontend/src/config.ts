/** The card's configuration, as written in a dashboard's YAML. */

export const SECTIONS = ["live", "today", "waiting"] as const;
export type Section = (typeof SECTIONS)[number];

export const DEFAULT_WAITING_CALLS = 5;
// The waiting-calls sensor lists the newest 20.
export const MAX_WAITING_CALLS = 20;

export interface CallwatchCardConfig {
  type: string;
  config_entry_id?: string;
  title?: string;
  waiting_calls?: number;
  sections?: Section[];
}

/** Check a configuration; throw an Error that the dashboard shows if it is wrong. */
export function checkConfig(config: unknown): CallwatchCardConfig {
  if (typeof config !== "object" || config === null) {
    throw new Error("The card needs a configuration.");
  }
  const card = config as CallwatchCardConfig;
  if (card.config_entry_id !== undefined && typeof card.config_entry_id !== "string") {
    throw new Error("config_entry_id must be the account's config entry id.");
  }
  if (
    card.waiting_calls !== undefined &&
    !(Number.isInteger(card.waiting_calls) &&
      card.waiting_calls >= 1 &&
      card.waiting_calls <= MAX_WAITING_CALLS)
  ) {
    throw new Error(`waiting_calls must be a whole number from 1 to ${MAX_WAITING_CALLS}.`);
  }
  if (
    card.sections !== undefined &&
    !(Array.isArray(card.sections) && card.sections.every((name) => SECTIONS.includes(name)))
  ) {
    throw new Error(`sections must be a list of: ${SECTIONS.join(", ")}.`);
  }
  return card;
}

export function shownSections(config: CallwatchCardConfig): readonly Section[] {
  return config.sections ?? SECTIONS;
}
