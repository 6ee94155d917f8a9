const escapes: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Reads the value of the top-level string field `field` from the start of a JSON object that is
 * still arriving (a streamed tool call's arguments). Returns the decoded text so far, stopping
 * before an incomplete escape, or undefined while the field has not started.
 */
export function readPartialStringField(json: string, field: string): string | undefined {
  let depth = 0;
  let i = 0;
  let expectKey = false;
  while (i < json.length) {
    const char = json[i] as string;
    if (char === '"') {
      const start = i + 1;
      const { text, end, complete } = readString(json, start);
      if (!complete) {
        // An unfinished string: the value we want, if the key before it was ours.
        return undefined;
      }
      i = end + 1;
      if (depth === 1 && expectKey) {
        // A key: look for the colon and the value.
        let j = i;
        while (j < json.length && /\s/.test(json[j] as string)) j++;
        if (json[j] !== ':') {
          if (j >= json.length) return undefined;
          expectKey = false;
          continue;
        }
        j++;
        while (j < json.length && /\s/.test(json[j] as string)) j++;
        if (text === field) {
          if (j >= json.length) return undefined;
          if (json[j] !== '"') return undefined;
          return readString(json, j + 1).text;
        }
        i = j;
        expectKey = false;
      }
      continue;
    }
    if (char === '{' || char === '[') {
      depth++;
      if (depth === 1 && char === '{') expectKey = true;
    } else if (char === '}' || char === ']') {
      depth--;
    } else if (char === ',' && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return undefined;
}

function readString(json: string, start: number): { text: string; end: number; complete: boolean } {
  let text = '';
  let i = start;
  while (i < json.length) {
    const char = json[i] as string;
    if (char === '"') return { text, end: i, complete: true };
    if (char === '\\') {
      const next = json[i + 1];
      if (next === undefined) break;
      if (next === 'u') {
        const hex = json.slice(i + 2, i + 6);
        if (hex.length < 4) break;
        const code = Number.parseInt(hex, 16);
        if (Number.isNaN(code)) break;
        text += String.fromCharCode(code);
        i += 6;
        continue;
      }
      text += escapes[next] ?? next;
      i += 2;
      continue;
    }
    text += char;
    i++;
  }
  return { text, end: i, complete: false };
}

/** Feeds argument deltas and returns only the new text of `field` each time. */
export function createPartialFieldReader(field: string) {
  let buffer = '';
  let emitted = 0;
  return {
    push(delta: string): string {
      buffer += delta;
      const text = readPartialStringField(buffer, field);
      if (text === undefined || text.length <= emitted) return '';
      let fresh = text.slice(emitted);
      // Hold back a trailing high surrogate until its low half arrives.
      const last = fresh.charCodeAt(fresh.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) fresh = fresh.slice(0, -1);
      emitted += fresh.length;
      return fresh;
    },
  };
}
