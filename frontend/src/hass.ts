/** What the card reads of Home Assistant's frontend object (a small, stable part of it). */

export interface HassEntity {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
}

export interface HassDevice {
  id: string;
  name: string | null;
  name_by_user: string | null;
  config_entries: string[];
  identifiers: [string, string][];
}

export interface HassEntityEntry {
  entity_id: string;
  device_id?: string;
  platform: string;
  translation_key?: string;
}

export interface HomeAssistant {
  states: Record<string, HassEntity | undefined>;
  devices?: Record<string, HassDevice | undefined>;
  entities?: Record<string, HassEntityEntry | undefined>;
  locale: { language: string; time_zone?: string };
  language: string;
  config: { time_zone: string };
  callService(
    domain: string,
    service: string,
    data: Record<string, unknown>,
  ): Promise<unknown>;
}
