// CSV as RFC 4180 has it (docs/api.md "Import and export"): fields separated by commas,
// records by CRLF or LF, a field in double quotes may hold commas, newlines and doubled
// quotes. The first record names the columns. Every problem is reported with its line;
// sizes are bounded before anything is kept.
export interface CsvRecord {
  /** The line the record starts on (1 is the header). */
  readonly line: number;
  readonly fields: Record<string, string>;
}

export type CsvParse =
  | { readonly ok: true; readonly columns: readonly string[]; readonly records: readonly CsvRecord[] }
  | { readonly ok: false; readonly line: number; readonly reason: string };

export interface CsvLimits {
  readonly maxRecords: number;
  readonly maxFieldLength: number;
}

/** Parses `text`; `allowed` are the column names it may have, `required` those it must. */
export function parseCsv(text: string, allowed: readonly string[], required: readonly string[], limits: CsvLimits): CsvParse {
  const rows: { line: number; fields: string[] }[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte order mark
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) return { ok: false, line: start, reason: 'a quoted field is not closed' };
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') { value += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
          if (value.length > limits.maxFieldLength) return { ok: false, line, reason: `a field is longer than ${limits.maxFieldLength} characters` };
        }
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') return { ok: false, line, reason: 'text after a closing quote (a quote inside a field is written "")' };
      } else {
        const end = nextDelimiter(text, i);
        value = text.slice(i, end);
        if (value.includes('"')) return { ok: false, line, reason: 'a quote inside an unquoted field (quote the field and write the quote as "")' };
        if (value.length > limits.maxFieldLength) return { ok: false, line, reason: `a field is longer than ${limits.maxFieldLength} characters` };
        i = end;
      }
      fields.push(value);
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else if (text[i] === '\n' || text[i] === '\r') i++;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '') continue; // an empty line
    rows.push({ line: start, fields });
    if (rows.length > limits.maxRecords + 1) return { ok: false, line: start, reason: `more than ${limits.maxRecords} records` };
  }
  const header = rows.shift();
  if (!header) return { ok: false, line: 1, reason: 'empty: the first line names the columns' };
  const columns = header.fields.map((c) => c.trim());
  for (const c of columns) if (!allowed.includes(c)) return { ok: false, line: 1, reason: `unknown column "${c}" (columns: ${allowed.join(', ')})` };
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) return { ok: false, line: 1, reason: `column "${c}" is named twice` };
    seen.add(c);
  }
  for (const r of required) if (!seen.has(r)) return { ok: false, line: 1, reason: `column "${r}" is missing` };
  const records: CsvRecord[] = [];
  for (const row of rows) {
    if (row.fields.length !== columns.length) return { ok: false, line: row.line, reason: `${row.fields.length} fields where the header has ${columns.length}` };
    records.push({ line: row.line, fields: Object.fromEntries(columns.map((c, k) => [c, row.fields[k]!.trim()])) });
  }
  return { ok: true, columns, records };
}

function nextDelimiter(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 10 || c === 13) return i;
  }
  return text.length;
}

/** One CSV record (with CRLF): a field with a comma, quote or line break is quoted. */
export function csvLine(fields: readonly (string | number | null | undefined)[]): string {
  return fields.map((f) => {
    const s = f === null || f === undefined ? '' : String(f);
    return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',') + '\r\n';
}
