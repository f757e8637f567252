/** One Callwatch account as the card sees it: its device, entities and their calls. */

import type { HassDevice, HassEntity, HomeAssistant } from "./hass";

export const DOMAIN = "callwatch";

export interface LiveCall {
  callerNumber: string | null;
  callerShown: string | null;
  calledShown: string | null;
  callerName: string | null;
  calledName: string | null;
  direction: string | null;
  answered: boolean;
  since: string | null;
}

export interface WaitingCall {
  time: string;
  callerNumber: string | null;
  callerShown: string | null;
  callerName: string | null;
  callerNameSource: string | null;
  withheld: boolean;
  calledShown: string | null;
  callId: string | null;
  catchUp: boolean;
  voicemail: boolean | null;
}

export interface Account {
  entryId: string;
  name: string;
  live?: HassEntity;
  today?: HassEntity;
  waiting?: HassEntity;
}

/** Return the Callwatch accounts set up, as (config entry id, name), sorted by name. */
export function accounts(hass: HomeAssistant): { entryId: string; name: string }[] {
  return Object.values(hass.devices ?? {})
    .flatMap((device) => {
      const entryId = device && entryIdOf(device);
      return device && entryId ? [{ entryId, name: deviceName(device) }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function entryIdOf(device: HassDevice): string | undefined {
  return device.identifiers.find(([domain]) => domain === DOMAIN)?.[1];
}

function deviceName(device: HassDevice): string {
  return device.name_by_user || device.name || DOMAIN;
}

/** Find an account's device and the entities the card shows; undefined if it is gone. */
export function findAccount(hass: HomeAssistant, entryId: string): Account | undefined {
  const device = Object.values(hass.devices ?? {}).find(
    (candidate) => candidate !== undefined && entryIdOf(candidate) === entryId,
  );
  if (!device) {
    return undefined;
  }
  const byKey: Record<string, HassEntity | undefined> = {};
  for (const entry of Object.values(hass.entities ?? {})) {
    if (entry?.device_id === device.id && entry.platform === DOMAIN && entry.translation_key) {
      byKey[entry.translation_key] = hass.states[entry.entity_id];
    }
  }
  return {
    entryId,
    name: deviceName(device),
    live: byKey.active_calls,
    today: byKey.missed_calls_today,
    waiting: byKey.waiting_missed_calls,
  };
}

export function isAvailable(entity: HassEntity | undefined): entity is HassEntity {
  return entity !== undefined && entity.state !== "unavailable" && entity.state !== "unknown";
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function records(entity: HassEntity): Record<string, unknown>[] {
  const calls = entity.attributes.calls;
  return Array.isArray(calls)
    ? calls.filter((call): call is Record<string, unknown> => typeof call === "object" && call !== null)
    : [];
}

export function liveCalls(entity: HassEntity): LiveCall[] {
  return records(entity).map((call) => ({
    callerNumber: text(call.caller_number),
    callerShown: text(call.caller_number_for_reading) ?? text(call.caller_number),
    calledShown: text(call.called_number_for_reading) ?? text(call.called_number),
    callerName: text(call.caller_name),
    calledName: text(call.called_name),
    direction: text(call.direction),
    answered: call.answered === true,
    since: text(call.since),
  }));
}

/** Return the waiting calls the sensor lists, newest first as it lists them. */
export function waitingCalls(entity: HassEntity): WaitingCall[] {
  return records(entity).flatMap((call) => {
    const time = text(call.time);
    if (time === null) {
      return [];
    }
    return [
      {
        time,
        callerNumber: text(call.caller_number),
        callerShown: text(call.caller_number_for_reading) ?? text(call.caller_number),
        callerName: text(call.caller_name),
        callerNameSource: text(call.caller_name_source),
        withheld: call.caller_withheld === true || text(call.caller_number) === null,
        calledShown: text(call.called_number_for_reading) ?? text(call.called_number),
        callId: text(call.call_id),
        catchUp: call.catch_up === true,
        voicemail: typeof call.voicemail === "boolean" ? call.voicemail : null,
      },
    ];
  });
}

/** Return whether a number can be dialled from a phone: E.164, not an extension. */
export function isPhoneNumber(number: string | null): number is string {
  return number !== null && /^\+[1-9]\d{5,14}$/.test(number);
}
