/**
 * The one error kind of the xl.cfg reader: a configuration that xl would refuse, or one that Xenon refuses where
 * xl only prints a warning and falls back to a default (see the header of domain_config.ts).
 */
import { XenonError } from '../../lib/errors.js';

/** Where in a configuration a problem was found. `line` and `column` are 1-based. */
export interface ConfigLocation {
  /** The name the configuration is reported under: the file name as given to `xl create`, like libxlu's `config_source`. */
  readonly source: string;
  readonly line?: number;
  readonly column?: number;
  /** The setting concerned, when there is one. */
  readonly key?: string;
}

/** A `XenonError` with code CONFIG whose message names the file, line (and column) and key, e.g. `domU.cfg:7: "memory": …`. */
export class ConfigError extends XenonError {
  readonly location: ConfigLocation;
  constructor(location: ConfigLocation, problem: string, options?: { cause?: unknown }) {
    super('CONFIG', formatConfigMessage(location, problem), options);
    this.name = 'ConfigError';
    this.location = location;
  }
}

/** `source[:line[:column]]: ["key": ]problem`, the layout libxlu uses for its own diagnostics (libxlu_cfg.c). */
function formatConfigMessage(at: ConfigLocation, problem: string): string {
  let where = at.source;
  if (at.line !== undefined) where += `:${at.line}`;
  if (at.line !== undefined && at.column !== undefined) where += `:${at.column}`;
  const key = at.key === undefined ? '' : `${JSON.stringify(at.key)}: `;
  return `${where}: ${key}${problem}`;
}

/** Quote a value from the configuration for a message: JSON string syntax, so control characters stay visible. */
export function quote(value: string): string {
  return JSON.stringify(value);
}
