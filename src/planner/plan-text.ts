/**
 * Plan file text → plan, in one pass: the YAML parser's concrete syntax tree (built without
 * recursion) is checked for nesting depth first, then composed into a document that gives every
 * field its 1-based line and column, and only then turned into a value (JSON files: `JSON.parse`,
 * for JSON's own syntax errors; anything else: YAML 1.2, alias expansion capped; duplicate keys are
 * refused in both) and validated against `PlanFileSpec`.
 *
 * Limits (resource exhaustion: a 4 KB file must not take the process down): collections nest at
 * most `MAX_PLAN_DEPTH` deep; aliases expand to at most `MAX_PLAN_ALIAS_COUNT` times the nodes of
 * their anchors (the `yaml` package's `maxAliasCount`, counted per alias).
 */
import { Composer, isMap, isNode, isScalar, LineCounter, Parser, type CST, type Document } from 'yaml';
import { PlanFileSpec, type PlanSpec } from '../plan/plan-schema.ts';
import type { McpServersMap } from '../plan/mcp-servers.ts';
import { PlanFileError } from './errors.ts';
import { formatZodIssues } from './zod-issues.ts';

/** Deepest nesting of collections (maps, sequences, flow or block) a plan file may have. */
export const MAX_PLAN_DEPTH = 64;

/** `maxAliasCount` of the YAML conversion: how many nodes an alias may expand to, per its anchor's size. */
export const MAX_PLAN_ALIAS_COUNT = 100;

/** A 1-based line and column. */
export interface TextPosition {
  line: number;
  col: number;
}

/** A plan file parsed once: the plan, its `actions` key and the position map. */
export interface ParsedPlanText {
  /** The plan, defaults applied, without the plan-file-only `actions` and `mcpServers` keys. */
  plan: PlanSpec;
  /** The `mcpServers` key, when it declares some. */
  mcpServers?: McpServersMap;
  /** The `actions` key as written (paths relative to the file; none: empty). */
  actionModules: string[];
  /** Line/column of the node at `path` (keys, array indexes), or of its nearest existing ancestor. */
  locate(path: readonly PropertyKey[]): TextPosition | undefined;
}

/**
 * Parses and validates plan file text; `file` names it in errors and picks the syntax (`.json` →
 * JSON, else YAML).
 * @throws PlanFileError (`PLAN_FILE`), message `file:line:col: …`: a syntax error, nesting deeper
 *   than `MAX_PLAN_DEPTH`, aliases expanding past `MAX_PLAN_ALIAS_COUNT`, more than one YAML
 *   document, or a `PlanFileSpec` issue (an unknown key is located at the key itself).
 */
export function parsePlanFileText(text: string, file: string): ParsedPlanText {
  const lines = new LineCounter();
  const fail = (offset: number, message: string, issues: string[] = []): never => {
    const { line, col } = lines.linePos(offset);
    throw new PlanFileError(file, `${file}:${line}:${col}: ${message}`, issues, line, col);
  };
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  const scan = scanTokens(tokens, MAX_PLAN_DEPTH);
  if (scan.tooDeepAt !== undefined) fail(scan.tooDeepAt, `invalid plan: collections nest deeper than ${MAX_PLAN_DEPTH} levels`);
  const docs = Array.from(new Composer({ uniqueKeys: true }).compose(tokens, true, text.length));
  const doc = docs[0]!;
  const isJson = /\.json$/i.test(file);
  let value: unknown;
  if (isJson) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      const msg = (err as Error).message;
      const at = /at position (\d+)/.exec(msg);
      fail(at?.[1] !== undefined ? Number(at[1]) : text.length, `invalid JSON: ${msg}`);
    }
    const duplicate = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
    if (duplicate) fail(duplicate.pos[0], 'invalid JSON: duplicate key (JSON.parse would keep only the last one)');
  } else {
    const first = doc.errors[0];
    if (first) fail(first.pos[0], `invalid YAML: ${first.message.split('\n')[0]}`);
    if (docs.length > 1) fail(docs[1]!.range[0], 'invalid YAML: the file holds more than one document; a plan is one');
    try {
      value = doc.toJS({ maxAliasCount: MAX_PLAN_ALIAS_COUNT });
    } catch (err) {
      if (!/alias/i.test((err as Error).message)) throw err;
      fail(scan.firstAliasAt ?? 0, `invalid YAML: aliases expand to too many nodes (more than ${MAX_PLAN_ALIAS_COUNT} per alias)`);
    }
  }
  const located = doc.errors.length === 0;
  const locate = (path: readonly PropertyKey[]): TextPosition | undefined => (located ? positionOf(doc, path, lines) : undefined);
  const parsed = PlanFileSpec.safeParse(value);
  if (!parsed.success) {
    const issues = formatZodIssues(parsed.error.issues, value);
    const first = parsed.error.issues[0]!;
    const pos = first.code === 'unrecognized_keys' && located ? keyPosition(doc, first.path, first.keys[0]!, lines) : locate(first.path);
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    throw new PlanFileError(file, `${where}: invalid plan: ${issues.join('; ')}`, issues, pos?.line, pos?.col);
  }
  const { actions, mcpServers, ...plan } = parsed.data;
  return {
    plan,
    actionModules: actions === undefined ? [] : typeof actions === 'string' ? [actions] : actions,
    ...(mcpServers !== undefined && Object.keys(mcpServers).length > 0 ? { mcpServers } : {}),
    locate,
  };
}

/** What one walk over the syntax tree finds: where nesting first passes the limit, the first alias. */
interface TokenScan {
  tooDeepAt?: number;
  firstAliasAt?: number;
}

/** Walks the syntax tree iteratively (no recursion, so any depth is safe), stopping past `maxDepth`. */
function scanTokens(tokens: readonly CST.Token[], maxDepth: number): TokenScan {
  const out: TokenScan = {};
  const stack: Array<[CST.Token, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    switch (token.type) {
      case 'document':
        if (token.value) stack.push([token.value, depth]);
        break;
      case 'alias':
        if (out.firstAliasAt === undefined || token.offset < out.firstAliasAt) out.firstAliasAt = token.offset;
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        if (depth + 1 > maxDepth) return { ...out, tooDeepAt: token.offset };
        for (const item of token.items as CST.CollectionItem[]) {
          if (item.key) stack.push([item.key, depth + 1]);
          if (item.value) stack.push([item.value, depth + 1]);
        }
        break;
      default:
        break;
    }
  }
  return out;
}

/** Line/column of the node at `path`, or of its nearest existing ancestor. */
function positionOf(doc: Document, path: readonly PropertyKey[], lines: LineCounter): TextPosition | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return undefined;
}

/** Line/column of the key `key` in the map at `path` (else of the map). */
function keyPosition(doc: Document, path: readonly PropertyKey[], key: string, lines: LineCounter): TextPosition | undefined {
  const node: unknown = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && String(pair.key.value) === key && pair.key.range) return lines.linePos(pair.key.range[0]);
    }
  }
  return positionOf(doc, path, lines);
}
