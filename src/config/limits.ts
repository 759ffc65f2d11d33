/**
 * How much work one configuration file (a route, config.json, admin.json) may cost. A file is
 * checked against these before anything is built from it, so no file can end the process, hold
 * the event loop or take the memory of the routes that serve. docs/configuration.md lists them; a
 * file past one gets TG_CONFIG_LIMIT with its place.
 */
export interface ConfigLimits {
  /** Size of the file on disk. */
  readonly maxFileBytes: number;
  /** Objects and arrays nested in one another. */
  readonly maxDepth: number;
  /** Objects with a `type`: heap declarations and inline objects. */
  readonly maxObjects: number;
  /** Strings holding a `${…}` or `#{…}` expression. */
  readonly maxExpressions: number;
  /** Length of one string holding an expression, in UTF-16 code units. */
  readonly maxExpressionLength: number;
  /** `&{…}` tokens resolved for one file, counting those inside property values. */
  readonly maxTokens: number;
  /** `&{…}` tokens nested in one another. */
  readonly maxTokenDepth: number;
  /** Characters that resolved tokens add to one file. */
  readonly maxTokenOutput: number;
  /** YAML aliases (`*name`) resolved for one file. */
  readonly maxYamlAliases: number;
  /** Time the loader may spend reading and parsing one file. */
  readonly parseTimeoutMs: number;
  /** Heap of the thread that parses files, in MiB. */
  readonly parseMemoryMb: number;
}

export const CONFIG_LIMITS: ConfigLimits = Object.freeze({
  maxFileBytes: 1024 * 1024,
  maxDepth: 100,
  maxObjects: 500,
  maxExpressions: 1000,
  maxExpressionLength: 64 * 1024,
  maxTokens: 10_000,
  maxTokenDepth: 32,
  maxTokenOutput: 1024 * 1024,
  maxYamlAliases: 100,
  parseTimeoutMs: 10_000,
  parseMemoryMb: 256,
});
