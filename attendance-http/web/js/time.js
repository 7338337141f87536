// Local wall times in a team's timezone turned into instants, and minute
// figures written as hours, for the request and ledger views.

/** Milliseconds `timeZone` is ahead of UTC at the instant `ms`. */
function offsetAt(ms, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const get = (t) => Number((parts.find((p) => p.type === t) || { value: "0" }).value);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - ms;
}

/**
 * The instant (RFC 3339, UTC) of the wall time `time` ("HH:MM") on `date`
 * ("YYYY-MM-DD") in `timeZone`, or in the browser's zone without one.
 * `plusDays` moves the date (a clock-out after midnight).
 */
export function zonedInstant(date, time, timeZone, plusDays = 0) {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  let ms;
  if (timeZone) {
    const wall = Date.UTC(y, m - 1, d + plusDays, hh, mm);
    try {
      ms = wall - offsetAt(wall, timeZone);
      // A second pass settles a wall time next to a DST change.
      ms = wall - offsetAt(ms, timeZone);
    } catch {
      ms = new Date(y, m - 1, d + plusDays, hh, mm).getTime();
    }
  } else {
    ms = new Date(y, m - 1, d + plusDays, hh, mm).getTime();
  }
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Minutes as signed hours: "+1.5 h", "−0.3 h", "0 h". */
export function signedHours(minutes) {
  const n = Number(minutes);
  if (!Number.isFinite(n)) return "–";
  const hours = Math.round((Math.abs(n) / 60) * 10) / 10;
  if (hours === 0) return "0 h";
  return `${n < 0 ? "−" : "+"}${hours} h`;
}

/** Minutes as hours, one decimal: "7.5 h". */
export function minutesAsHours(minutes) {
  const n = Number(minutes);
  if (!Number.isFinite(n)) return "–";
  return `${Math.round((n / 60) * 10) / 10} h`;
}

/** Whole days from `from` to `to`, both "YYYY-MM-DD", counting both. */
export function daysBetween(from, to) {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  return Math.round((b - a) / 86400000) + 1;
}
