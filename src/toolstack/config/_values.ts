/**
 * Typed reads of settings, after libxlu's getters (libxlu_cfg.c xlu_cfg_get_string, _get_long, _get_list,
 * _get_defbool). libxlu warns and lets xl carry on with the default when a value has the wrong shape; a
 * mistyped `memory` then silently becomes libxl's 32 MiB. Xenon refuses instead, naming file, line and key.
 */
import { ConfigError, quote } from './config_error.js';
import type { XlCfg, XlCfgAtom, XlCfgSetting, XlCfgValue } from './xl_cfg_parse.js';

/** An error about `key`, located at the line of its value. */
export function settingError(cfg: XlCfg, key: string, problem: string): ConfigError {
  const line = cfg.settings.get(key)?.line;
  return new ConfigError({ source: cfg.source, key, ...(line === undefined ? {} : { line }) }, problem);
}

function atomSetting(cfg: XlCfg, key: string): (XlCfgSetting & { value: XlCfgAtom }) | undefined {
  const s = cfg.settings.get(key);
  if (s === undefined) return undefined;
  if (s.value.kind !== 'atom') throw settingError(cfg, key, 'expected a single value, got a list');
  return s as XlCfgSetting & { value: XlCfgAtom };
}

/** The text of a single-valued setting, or undefined when absent. */
export function getString(cfg: XlCfg, key: string): string | undefined {
  return atomSetting(cfg, key)?.value.text;
}

/**
 * C strtol(s, &ep, 0) accepting the whole string: blanks, a sign, then `0x` hex, `0` octal or decimal, which is
 * what xl.cfg(5) promises for NUMBER (and a quoted "512" is a number too, as in libxlu). Undefined if malformed.
 */
export function parseCLong(text: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (m === null) return undefined;
  const magnitude = m[2] !== undefined ? BigInt(`0x${m[2]}`) : m[3] !== undefined ? BigInt(`0o${m[3]}`) : BigInt(m[4]!);
  return m[1] === '-' ? -magnitude : magnitude;
}

/** A number setting in [min, max], or undefined when absent. */
export function getNumber(cfg: XlCfg, key: string, bounds: { min: number; max: number }): number | undefined {
  const s = atomSetting(cfg, key);
  if (s === undefined) return undefined;
  if (s.op === '+=') throw settingError(cfg, key, '"+=" cannot be used with numbers');
  const n = parseCLong(s.value.text);
  if (n === undefined) throw settingError(cfg, key, `expected a number, got ${quote(s.value.text)}`);
  if (n < BigInt(bounds.min) || n > BigInt(bounds.max)) {
    throw settingError(cfg, key, `${n} is out of range (${bounds.min} to ${bounds.max})`);
  }
  return Number(n);
}

/** A BOOLEAN setting: a number, zero meaning false (xl.cfg(5), libxlu xlu_cfg_get_defbool). */
export function getBoolean(cfg: XlCfg, key: string): boolean | undefined {
  const n = getNumber(cfg, key, { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  return n === undefined ? undefined : n !== 0;
}

/** The items of a list setting, or undefined when absent. */
export function getList(cfg: XlCfg, key: string): readonly XlCfgValue[] | undefined {
  const s = cfg.settings.get(key);
  if (s === undefined) return undefined;
  if (s.value.kind !== 'list') throw settingError(cfg, key, 'expected a list, got a single value');
  return s.value.items;
}

/**
 * A list whose items must all be strings. xl's loops (`while ((buf = xlu_cfg_get_listitem(...)) != NULL)`)
 * stop silently at the first nested list, dropping the rest; we refuse such a list instead.
 */
export function getStringList(cfg: XlCfg, key: string): readonly string[] | undefined {
  const items = getList(cfg, key);
  return items?.map((item, i) => {
    if (item.kind !== 'atom') throw settingError(cfg, key, `item ${i + 1} is a list, expected a string`);
    return item.text;
  });
}
