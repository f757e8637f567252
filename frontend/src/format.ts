/** Times as the user's profile asks: their language, their or the server's time zone. */

import type { HomeAssistant } from "./hass";

function timeZone(hass: HomeAssistant): string | undefined {
  return hass.locale.time_zone === "server" ? hass.config.time_zone : undefined;
}

function dayOf(date: Date, zone: string | undefined): string {
  return date.toLocaleDateString("en-CA", { timeZone: zone });
}

/** Return a time of day, with the date in front when it is not today. */
export function formatWhen(hass: HomeAssistant, iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const zone = timeZone(hass);
  const language = hass.locale.language || hass.language;
  const sameDay = dayOf(date, zone) === dayOf(now, zone);
  return new Intl.DateTimeFormat(language, {
    timeZone: zone,
    hour: "numeric",
    minute: "2-digit",
    ...(sameDay ? {} : { weekday: "short", day: "numeric", month: "short" }),
  }).format(date);
}
