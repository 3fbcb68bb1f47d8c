// HTTP-date (RFC 9110 §5.6.7): written as IMF-fixdate, read in the three forms a
// recipient must accept — IMF-fixdate, the obsolete RFC 850 form and asctime — and
// nothing else (no Date.parse leniency: "yesterday" is not a date). Times are whole
// seconds since the epoch; a value out of range (31 February, 25:00) is not a date.
// Pure.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
const MONTH = `(${MONTHS.join('|')})`;
const IMF_FIXDATE = new RegExp(`^(?:${DAYS.join('|')}), (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^(?:${LONG_DAYS.join('|')}), (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:${DAYS.join('|')}) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** IMF-fixdate of a time in milliseconds (the sub-second part dropped). */
export function formatHttpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

/** Seconds since the epoch of an HTTP-date, or undefined when `text` is not one. `nowSeconds` places RFC 850's two-digit years. */
export function parseHttpDate(text: string, nowSeconds: number): number | undefined {
  if (text.length > 64) return undefined;
  const value = text.trim();
  let m = IMF_FIXDATE.exec(value);
  if (m) return seconds(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(value);
  if (m) {
    // RFC 9110 §5.6.7: a two-digit year that looks more than 50 years in the future is in the past century.
    const thisYear = new Date(nowSeconds * 1000).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return seconds(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(value);
  if (m) return seconds(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return undefined;
}

function seconds(year: number, monthName: string, day: number, hh: string, mm: string, ss: string): number | undefined {
  const month = MONTHS.indexOf(monthName);
  const [h, mi, s] = [Number(hh), Number(mm), Number(ss)];
  // A leap second (60) is read as the second before it.
  if (h > 23 || mi > 59 || s > 60 || day < 1) return undefined;
  const ms = Date.UTC(year, month, day, h, mi, Math.min(s, 59));
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms / 1000;
}
