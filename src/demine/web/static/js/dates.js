// Calendar dates as the API writes them (YYYY-MM-DD), counted in whole days and months (UTC)
// for drawing them along an axis.

const DAY_MS = 86_400_000;

export const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                            "Nov", "Dec"];

// Days since 1970-01-01 of a date (its first ten characters, so a timestamp does too).
export function dayOf(iso) {
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

export function isoOf(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

// Months since year 0 (year * 12 + month - 1) of a date.
export function monthOf(iso) {
  return Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
}

// The day a month (as monthOf counts it) begins.
export function monthStart(month) {
  return Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS;
}

export function monthLabel(month) {
  return `${MONTH_NAMES[month % 12]} ${Math.floor(month / 12)}`;
}
