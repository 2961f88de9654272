/**
 * Debian control-file syntax (deb822): paragraphs of "Field: value" lines separated by blank
 * lines; a line starting with a space or tab continues the previous field. Used for Release,
 * Packages and `.sources` files. Source: Debian Policy 5.1 "Syntax of control files" and
 * sources.list(5) "DEB822-STYLE FORMAT".
 */

/** One paragraph; field names are lower-cased, multi-line values keep their newlines. */
export type ControlParagraph = Map<string, string>;

/** Parse one paragraph's text. Lines starting with "#" are comments (allowed in .sources files). */
export function parseParagraph(text: string): ControlParagraph {
  const fields: ControlParagraph = new Map();
  let key = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && key !== '') {
      fields.set(key, `${fields.get(key) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    key = line.slice(0, colon).trim().toLowerCase();
    fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

/** Split a control file into paragraph texts (comment-only paragraphs are dropped by the parser). */
export function splitParagraphs(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .filter((p) => p.trim() !== '');
}

/** Parse every paragraph of a control file, skipping ones without fields. */
export function parseControl(text: string): ControlParagraph[] {
  return splitParagraphs(text)
    .map(parseParagraph)
    .filter((p) => p.size > 0);
}
