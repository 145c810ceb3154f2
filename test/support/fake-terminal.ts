/**
 * A minimal terminal screen for tests of in-place redraws: a stream with `columns` (and `rows`)
 * whose writes are interpreted as a VT100-style terminal would: printable characters (wide ones take
 * two cells, measured with string-width) with auto-wrap at the right margin (deferred, as xterm does),
 * LF (also back to column 0, as a tty with onlcr), CR, and the CSI sequences cursor up/down/forward/
 * back (A B C D), column (G), erase in line (K, 0/1/2) and erase below (J, 0). Other CSI sequences
 * (colours, cursor visibility, synchronized output) change nothing on the screen. The screen grows
 * downwards without scrolling, so every row ever written stays visible to the test.
 */
import stringWidth from 'string-width';

/** The fake terminal. */
export interface FakeTerminal {
  /** What log-update and the progress display write to. */
  stream: { columns: number; rows: number; isTTY: boolean; write(text: string): boolean };
  /** The screen's rows, trailing spaces trimmed, trailing empty rows removed. */
  screen(): string[];
  /** Everything written, raw. */
  raw(): string;
}

/** A fake terminal `columns` wide and `rows` high (height is only reported, not enforced). */
export function fakeTerminal(columns: number, rows = 200): FakeTerminal {
  const grid: string[][] = [[]];
  let row = 0;
  let col = 0;
  let pendingWrap = false;
  let raw = '';
  const line = (r: number): string[] => {
    while (grid.length <= r) grid.push([]);
    return grid[r]!;
  };
  const put = (ch: string): void => {
    const w = Math.max(1, stringWidth(ch));
    if (pendingWrap || col + w > columns) {
      row += 1;
      col = 0;
      pendingWrap = false;
    }
    const l = line(row);
    while (l.length < col) l.push(' ');
    l[col] = ch;
    if (w === 2) l[col + 1] = '';
    col += w;
    if (col >= columns) {
      col = columns - 1;
      pendingWrap = true;
    }
  };
  const csi = (params: string, final: string): void => {
    const n = params === '' || params.startsWith('?') ? 1 : Number(params.split(';')[0]);
    const l = line(row);
    switch (final) {
      case 'A':
        row = Math.max(0, row - n);
        break;
      case 'B':
        row += n;
        break;
      case 'C':
        col = Math.min(columns - 1, col + n);
        break;
      case 'D':
        col = Math.max(0, col - n);
        break;
      case 'G':
        col = Math.max(0, (params === '' ? 1 : n) - 1);
        break;
      case 'K':
        if (params === '' || params === '0') l.splice(col);
        else if (params === '1') for (let i = 0; i <= col && i < l.length; i++) l[i] = ' ';
        else if (params === '2') l.length = 0;
        break;
      case 'J':
        if (params === '' || params === '0') {
          l.splice(col);
          grid.splice(row + 1);
        }
        break;
      default:
        return; // m (SGR), h/l (modes): nothing on screen
    }
    pendingWrap = false;
  };
  const write = (text: string): boolean => {
    raw += text;
    // eslint-disable-next-line no-control-regex -- terminal sequences start with ESC
    const re = /\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|([\s\S])/gu;
    for (const m of text.matchAll(re)) {
      if (m[2] !== undefined) csi(m[1]!, m[2]);
      else if (m[3] === '\n') {
        row += 1;
        col = 0;
        pendingWrap = false;
      } else if (m[3] === '\r') {
        col = 0;
        pendingWrap = false;
      } else if (m[3] !== undefined && m[3] >= ' ') put(m[3]);
    }
    return true;
  };
  return {
    stream: { columns, rows, isTTY: true, write },
    screen: () => {
      const out = grid.map((l) => l.join('').trimEnd());
      while (out.length > 0 && out[out.length - 1] === '') out.pop();
      return out;
    },
    raw: () => raw,
  };
}
