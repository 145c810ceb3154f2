/**
 * JSON Schema validation of MCP tool inputs with Ajv — the very Ajv (and ajv-formats) the MCP SDK
 * depends on, resolved from the SDK's own location, so both validate with one version. Schemas
 * are compiled once per tool; drafts 07 and 2019-09/2020-12 keywords as Ajv's default instance knows them.
 */
import { createRequire } from 'node:module';

/** One validation problem: the path inside the value (keys, indexes) and Ajv's message. */
export interface SchemaIssue {
  path: Array<string | number>;
  message: string;
}

/** A compiled schema: the issues of a value (empty when it is valid). */
export type JsonSchemaCheck = (value: unknown) => SchemaIssue[];

interface AjvError {
  instancePath: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}
interface AjvValidate {
  (value: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: unknown): AjvValidate;
}

let ajv: AjvInstance | undefined;

/** The shared Ajv instance (all errors, formats, unknown keywords tolerated as MCP servers use them). */
function instance(): AjvInstance {
  if (ajv) return ajv;
  const require = createRequire(import.meta.resolve('@modelcontextprotocol/sdk/validation/ajv'));
  const ajvModule = require('ajv') as { default?: new (o: object) => AjvInstance };
  const Ajv = (ajvModule.default ?? ajvModule) as new (o: object) => AjvInstance;
  const formats = require('ajv-formats') as { default?: (a: AjvInstance) => void };
  const addFormats = (formats.default ?? formats) as (a: AjvInstance) => void;
  ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** `/a/0/b~1c` → `['a', 0, 'b/c']`. */
function pointerPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/**
 * Compiles `schema` (a tool's `inputSchema`).
 * @throws Error when Ajv cannot compile it (e.g. an unresolvable `$ref`).
 */
export function compileJsonSchema(schema: unknown): JsonSchemaCheck {
  const validate = instance().compile(schema);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => {
      const path = pointerPath(e.instancePath);
      const key = e.params?.missingProperty ?? e.params?.additionalProperty;
      return { path: key !== undefined ? [...path, key] : path, message: e.message ?? 'invalid' };
    });
  };
}
