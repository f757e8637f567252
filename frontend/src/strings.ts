/** Every text the card shows, by language; English is the fallback for a missing one. */

const en = {
  card_name: "Callwatch calls",
  card_description:
    "Who is on the phone, and who is waiting for a call back, for one Callwatch account.",
  no_account: "Choose a Callwatch account in the card's settings.",
  account_not_found: "This Callwatch account is not set up in Home Assistant any more.",
  unavailable: "Unavailable: Callwatch cannot reach the provider right now.",
  not_shown: "Not available for this account.",
  live_title: "On the phone now",
  live_empty: "No calls in progress.",
  inbound: "Incoming",
  outbound: "Outgoing",
  ringing: "ringing",
  answered: "answered",
  since: "since {time}",
  today_title: "Missed today",
  waiting_title: "Waiting to be called back",
  waiting_empty: "Nobody is waiting for a call back.",
  waiting_more: "{count} more not shown.",
  withheld: "Withheld number",
  unknown_caller: "Unknown caller",
  name_from_phonebook: "from your phonebook",
  name_from_provider: "from the provider",
  called: "to {number}",
  catch_up: "Found after a gap",
  catch_up_explained: "Found after a gap in watching",
  voicemail: "Voicemail",
  call_back: "Call back",
  call_back_label: "Call back {who}",
  dealt_with: "Dealt with",
  dealt_with_label: "Mark the call from {who} at {time} as dealt with",
  all_dealt_with: "All dealt with",
  all_dealt_with_label: "Mark all {count} waiting calls as dealt with",
  action_failed: "Could not mark as dealt with: {error}",
  editor_account: "Account",
  editor_title: "Title (empty: the account's name)",
  editor_waiting_calls: "Waiting calls to show",
  editor_sections: "Sections",
  editor_live: "Calls in progress",
  editor_today: "Missed today",
  editor_waiting: "Waiting calls",
  editor_no_accounts: "No Callwatch account is set up yet.",
};

export type StringKey = keyof typeof en;
type Strings = Record<StringKey, string>;

const STRINGS: Record<string, Strings> = { en };

/** Return a function that gives a text in `language`, with `{name}` placeholders filled. */
export function localize(
  language: string | undefined,
): (key: StringKey, values?: Record<string, string | number>) => string {
  const base = (language ?? "en").split("-")[0];
  const table = STRINGS[language ?? ""] ?? STRINGS[base] ?? en;
  return (key, values = {}) =>
    (table[key] ?? en[key]).replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in values ? String(values[name]) : whole,
    );
}

export const english = localize("en");
