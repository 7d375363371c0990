import { HttpError } from './http';

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A doublestar-style glob (what execd's search uses) → RegExp: `*`, `?`, `[...]` (`!`/`^`
 * negation), `{a,b}` alternation, `**` (with `**` + `/` matching zero or more directories) and
 * `\` escapes. execd matches it against a file's base name.
 * @throws HttpError 500 on a malformed pattern (as execd's search reports it)
 */
export function globToRegExp(pattern: string): RegExp {
  const bad = (): HttpError => new HttpError(500, 'RUNTIME_ERROR', `error searching files. invalid pattern ${pattern}: syntax error in pattern`);
  const len = pattern.length;
  let i = 0;
  const parse = (inBrace: boolean): string => {
    let out = '';
    while (i < len) {
      const c = pattern[i]!;
      if (inBrace && (c === ',' || c === '}')) return out;
      if (c === '\\') {
        if (i + 1 >= len) throw bad();
        out += escapeRegExp(pattern[i + 1]!);
        i += 2;
      } else if (c === '*') {
        if (pattern[i + 1] === '*' && (i === 0 || pattern[i - 1] === '/')) {
          if (pattern[i + 2] === '/') {
            out += '(?:.*/)?';
            i += 3;
            continue;
          }
          if (i + 2 >= len || (inBrace && (pattern[i + 2] === ',' || pattern[i + 2] === '}'))) {
            out += '.*';
            i += 2;
            continue;
          }
        }
        while (pattern[i] === '*') i++;
        out += '[^/]*';
      } else if (c === '?') {
        out += '[^/]';
        i++;
      } else if (c === '[') {
        let j = i + 1;
        let negate = false;
        if (pattern[j] === '!' || pattern[j] === '^') {
          negate = true;
          j++;
        }
        let cls = '';
        let closed = false;
        while (j < len) {
          const d = pattern[j]!;
          if (d === '\\') {
            if (j + 1 >= len) throw bad();
            cls += `\\${pattern[j + 1]}`;
            j += 2;
          } else if (d === ']') {
            closed = true;
            break;
          } else {
            cls += d === '-' ? '-' : escapeRegExp(d);
            j++;
          }
        }
        if (!closed || cls === '') throw bad();
        out += `[${negate ? '^/' : ''}${cls}]`;
        i = j + 1;
      } else if (c === '{') {
        i++;
        const alternatives: string[] = [];
        for (;;) {
          alternatives.push(parse(true));
          if (i >= len) throw bad();
          if (pattern[i] === ',') {
            i++;
            continue;
          }
          i++; // '}'
          break;
        }
        out += `(?:${alternatives.join('|')})`;
      } else {
        out += escapeRegExp(c);
        i++;
      }
    }
    if (inBrace) throw bad();
    return out;
  };
  return new RegExp(`^${parse(false)}$`, 's');
}

