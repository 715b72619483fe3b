/**
 * Escaping for GitHub Actions workflow commands (`::error title=…::message`), as the Actions
 * toolkit does it: the message escapes %, CR and LF; a property also `:` and `,`.
 */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
