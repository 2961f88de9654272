/**
 * The xl.cfg syntax, accepted exactly as libxlu accepts it (tools/libs/util/libxlu_cfg_l.l, libxlu_cfg_y.y,
 * libxlu_cfg.c). A file is a series of `KEY = VALUE` or `KEY += VALUE` settings ended by a newline or `;`;
 * the last one may lack its terminator. Keys are `[a-z][._0-9a-z]*`. A value is a quoted string, a number
 * token (`[0-9][0-9a-fx]*`, kept as text like libxlu does; typed getters convert it), or a list `[ … ]` of values
 * that may nest, may span lines, and may end with one trailing comma. `#` starts a comment that runs to the end
 * of the line; the newline is required, as in libxlu's lexer, so a comment cannot be the last bytes of a file.
 *
 * libxlu keeps going after an error to report more of them, but the file is refused either way; we stop at the
 * first one and throw a `ConfigError`.
 */
import { ConfigError, quote } from './config_error.js';

/** A string or number setting. libxlu does not tell the two apart once lexed: `memory = "256"` is a number too. */
export interface XlCfgAtom {
  readonly kind: 'atom';
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** A `[ … ]` value. Items may themselves be lists (xl.cfg(5): "Lists can be heterogeneous and nested"). */
export interface XlCfgList {
  readonly kind: 'list';
  readonly items: readonly XlCfgValue[];
  readonly line: number;
  readonly column: number;
}

/** One value of the configuration. */
export type XlCfgValue = XlCfgAtom | XlCfgList;

/** The effective setting of one key: the last assignment wins, as libxlu's `find()` returns the newest entry. */
export interface XlCfgSetting {
  readonly key: string;
  readonly value: XlCfgValue;
  /** `+=` is kept because libxlu refuses it for numbers ("can't use += with numbers"). */
  readonly op: '=' | '+=';
  /** Line of the value, which is what libxlu reports (`@3.first_line` in the grammar). */
  readonly line: number;
}

/** A parsed configuration: its source name and the effective setting of each key, in first-assignment order. */
export interface XlCfg {
  readonly source: string;
  readonly settings: ReadonlyMap<string, XlCfgSetting>;
}

/** Options for {@link parseXlCfg}. */
export interface ParseXlCfgOptions {
  /** Name used in messages, normally the file name as the user typed it. */
  readonly source: string;
  /**
   * `KEY=VALUE` arguments given after the file name to `xl create`. xl (xl_vmcontrol.c create_domain) appends
   * them, one per line, after the file and a newline, and parses the result as one text; so they override the
   * file, may use `+=`, and their line numbers continue after the file's.
   */
  readonly overrides?: readonly string[];
}

type TokenKind = 'ident' | 'number' | 'string' | 'newline' | 'eof' | ',' | '[' | ']' | '=' | '+=' | ';';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const IDENT = /[a-z][._0-9a-z]*/y;
const NUMBER = /[0-9][0-9a-fx]*/y;
/** Strings may not contain a raw newline; a backslash escapes any character but a newline (libxlu_cfg_l.l). */
const STRING = /'(?:[^'\\\n]|\\[^\n])*'|"(?:[^"\\\n]|\\[^\n])*"/y;
/** The rest of a line after a `#`, newline included. */
const COMMENT = /#[^\n]*\n/y;
/** What libxlu's lexer swallows after an unexpected character, to report it as one lexical error. */
const LEXERR_TEXT = /[^ \t\n]*/y;

const MAX_LIST_DEPTH = 1000;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** Parse xl.cfg text. Throws `ConfigError` for anything libxlu would refuse. */
export function parseXlCfg(text: string, options: ParseXlCfgOptions): XlCfg {
  const overrides = options.overrides ?? [];
  const full = overrides.length === 0 ? text : `${text}\n${overrides.map((o) => `${o}\n`).join('')}\n`;
  return new Parser(new Lexer(full, options.source), options.source).parseFile();
}

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string, private readonly source: string) {}

  next(): Token {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t') {
        this.pos++;
        continue;
      }
      const line = this.line;
      const column = this.pos - this.lineStart + 1;
      if (c === undefined) return { kind: 'eof', text: '', line, column };
      const comment = c === '#' ? this.match(COMMENT) : undefined;
      if (c === '\n' || comment !== undefined) {
        this.pos += comment === undefined ? 1 : comment.length;
        this.line++;
        this.lineStart = this.pos;
        return { kind: 'newline', text: '\n', line, column };
      }
      if (c === '+' && this.text[this.pos + 1] === '=') return this.take('+=', '+=', line, column);
      if (c === ',' || c === '[' || c === ']' || c === '=' || c === ';') return this.take(c as TokenKind, c, line, column);
      const ident = this.match(IDENT);
      if (ident !== undefined) return this.take('ident', ident, line, column);
      const num = this.match(NUMBER);
      if (num !== undefined) return this.take('number', num, line, column);
      const str = this.match(STRING);
      if (str !== undefined) {
        const token = this.take('string', str, line, column);
        return { ...token, text: this.dequote(str, line, column) };
      }
      throw this.lexicalError(line, column);
    }
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    return re.exec(this.text)?.[0];
  }

  private take(kind: TokenKind, text: string, line: number, column: number): Token {
    this.pos += text.length;
    return { kind, text, line, column };
  }

  /** libxlu_cfg_l.l: an unexpected character starts a lexical error; `+ - . ( ) :` suggest Python (xend syntax). */
  private lexicalError(line: number, column: number): ConfigError {
    const first = this.text[this.pos]!;
    LEXERR_TEXT.lastIndex = this.pos + 1;
    const near = first + (LEXERR_TEXT.exec(this.text)?.[0] ?? '');
    const python = '+-.():'.includes(first) ? ' (xl no longer accepts Python in configuration files)' : '';
    const what = first === '\r' ? 'carriage return (DOS line ending)' : quote(near);
    return new ConfigError({ source: this.source, line, column }, `lexical error near ${what}${python}`);
  }

  /**
   * libxlu_cfg.c xlu__cfgl_dequote. The octal form `\NNN` is odd there: it reads its digits with strtoul in
   * base 10, needs two of them after the first, and emits nothing; `\x` escapes never pass its length check.
   * We reproduce that so a file means here what it means to xl.
   */
  private dequote(token: string, line: number, column: number): string {
    let out = '';
    const end = token.length - 1;
    for (let p = 1; p < end; ) {
      const c = token[p++]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const nc = token[p++]!;
      const simple = SIMPLE_ESCAPES[nc];
      if (simple !== undefined) {
        out += simple;
      } else if (nc >= '0' && nc <= '7' && strtoulLength(token.slice(p, p + 3)) >= 2) {
        p += strtoulLength(token.slice(p, p + 3));
      } else {
        const problem = nc === 'x' || (nc >= '0' && nc <= '7') ? 'numeric escape libxlu cannot read' : 'invalid escape';
        throw new ConfigError({ source: this.source, line, column }, `${problem} ${quote(`\\${nc}`)} in quoted string`);
      }
    }
    return out;
  }
}

/** How many characters C's strtoul(s, &ep, 10) consumes: blanks, a sign, then digits; 0 when there are no digits. */
function strtoulLength(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?[0-9]+/.exec(s);
  return m === null ? 0 : m[0].length;
}

/** Recursive descent over libxlu_cfg_y.y. `nlok` (optional newlines) is allowed inside lists only. */
class Parser {
  private tok: Token;
  private readonly settings = new Map<string, XlCfgSetting>();

  constructor(private readonly lexer: Lexer, private readonly source: string) {
    this.tok = lexer.next();
  }

  parseFile(): XlCfg {
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') break;
      if (t.kind === 'newline' || t.kind === ';') {
        this.advance();
        continue;
      }
      if (t.kind !== 'ident') throw this.unexpected(undefined, 'a setting name');
      this.assignment();
      const end = this.tok.kind;
      if (end !== 'newline' && end !== ';' && end !== 'eof') throw this.unexpected(t.text, 'end of line or ";"');
    }
    return { source: this.source, settings: this.settings };
  }

  private assignment(): void {
    const key = this.tok.text;
    this.advance();
    const opTok = this.tok;
    if (opTok.kind !== '=' && opTok.kind !== '+=') throw this.unexpected(key, '"=" or "+="');
    this.advance();
    const value = this.value(key);
    const prev = this.settings.get(key);
    const combined = opTok.kind === '+=' && prev !== undefined ? this.concat(key, prev.value, value) : value;
    this.settings.set(key, { key, value: combined, op: opTok.kind, line: value.line });
  }

  /** libxlu_cfg.c xlu__cfg_concat_vals: strings join, lists append; mixing the two is an error. */
  private concat(key: string, prev: XlCfgValue, add: XlCfgValue): XlCfgValue {
    if (prev.kind === 'atom' && add.kind === 'atom') return { ...add, text: prev.text + add.text };
    if (prev.kind === 'list' && add.kind === 'list') return { ...add, items: [...prev.items, ...add.items] };
    const at = { source: this.source, line: add.line, column: add.column, key };
    throw new ConfigError(at, 'cannot add a list to a string or a string to a list with "+="');
  }

  private value(key: string, depth = 0): XlCfgValue {
    const t = this.tok;
    if (t.kind === 'string' || t.kind === 'number') {
      this.advance();
      return { kind: 'atom', text: t.text, line: t.line, column: t.column };
    }
    if (t.kind !== '[') throw this.unexpected(key, 'a string, a number or "["');
    // libxlu's bison parser runs out of stack (YYMAXDEPTH) on deep nesting; we refuse well before ours does.
    if (depth === MAX_LIST_DEPTH) throw new ConfigError({ source: this.source, line: t.line, column: t.column, key }, 'lists nested too deeply');
    this.advance();
    const items: XlCfgValue[] = [];
    this.skipNewlines();
    while (!this.at(']')) {
      items.push(this.value(key, depth + 1));
      this.skipNewlines();
      if (this.at(']')) break;
      if (!this.at(',')) throw this.unexpected(key, '"," or "]"');
      this.advance();
      this.skipNewlines();
    }
    this.advance();
    return { kind: 'list', items, line: t.line, column: t.column };
  }

  private skipNewlines(): void {
    while (this.at('newline')) this.advance();
  }

  /** A method rather than a field test, so TypeScript does not narrow `tok` across `advance()` calls. */
  private at(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  private advance(): void {
    this.tok = this.lexer.next();
  }

  private unexpected(key: string | undefined, expected: string): ConfigError {
    const t = this.tok;
    const got =
      t.kind === 'eof' ? 'end of file' : t.kind === 'newline' ? 'end of line' : t.kind === 'string' ? `string ${quote(t.text)}` : quote(t.text);
    const at = { source: this.source, line: t.line, column: t.column, ...(key === undefined ? {} : { key }) };
    return new ConfigError(at, `syntax error: expected ${expected}, got ${got}`);
  }
}
