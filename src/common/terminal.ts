// Names printed to a terminal (files, cells, classes) come from notebooks and folders that
// others wrote. A control character in them could set the window title, clear the screen or
// rewrite earlier lines, so every C0/C1 control (and DEL) is shown as a visible escape instead.

/** `text` with control characters written as \n, \t, \e, \xHH or \u{…}; printable text unchanged. */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    if (code === 0x1b) return '\\e';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Keeps line breaks (for multi-line messages) and escapes every other control character. */
export function escapeControlKeepLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}
