// A small JSON Schema (2020-12) validator for the subset z.toJSONSchema() emits and openapi.json uses.
// A keyword outside that subset is reported as an error rather than skipped, so nothing passes unchecked.

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['description', 'examples', 'default', 'title', 'format', 'deprecated', 'readOnly', 'writeOnly']);
const CHECKED = new Set([
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
]);

const typeOf = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
};

const matchesType = (v: unknown, t: string) => {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
};

/**
 * Errors as "path: problem"; [] when `value` is valid. `root` resolves "#/…" references. `closed`
 * also refuses a property an object schema does not list (when it says nothing of others): the
 * document leaves response objects open so that adding a field never breaks a client, and a test
 * with `closed` proves that every field the API sends is documented.
 */
export function validate(schema: Schema, value: unknown, root: unknown, path = '$', closed = false): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const errors: string[] = [];
  const fail = (m: string) => errors.push(`${path}: ${m}`);
  for (const key of Object.keys(schema)) {
    if (!CHECKED.has(key) && !ANNOTATIONS.has(key)) fail(`unsupported schema keyword ${key}`);
  }
  const s = schema as Record<string, any>;

  if (s.$ref !== undefined) {
    const target = String(s.$ref)
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    if (target === undefined) fail(`unresolved $ref ${s.$ref}`);
    else errors.push(...validate(target, value, root, path, closed));
  }
  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => matchesType(value, t))) return [...errors, `${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
  }
  if (s.enum !== undefined && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) fail(`not one of ${JSON.stringify(s.enum)}`);
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) fail(`must be ${JSON.stringify(s.const)}`);
  if (s.anyOf && !s.anyOf.some((x: Schema) => validate(x, value, root, path, closed).length === 0)) fail('matches none of anyOf');
  if (s.oneOf && s.oneOf.filter((x: Schema) => validate(x, value, root, path, closed).length === 0).length !== 1) fail('must match exactly one of oneOf');
  if (s.allOf) for (const x of s.allOf) errors.push(...validate(x, value, root, path, closed));

  if (typeof value === 'string') {
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) fail(`does not match ${s.pattern}`);
    if (s.minLength !== undefined && [...value].length < s.minLength) fail(`shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && [...value].length > s.maxLength) fail(`longer than ${s.maxLength}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) fail(`below ${s.minimum}`);
    if (s.maximum !== undefined && value > s.maximum) fail(`above ${s.maximum}`);
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) fail(`not above ${s.exclusiveMinimum}`);
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) fail(`not below ${s.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    if (s.items !== undefined) value.forEach((item, i) => errors.push(...validate(s.items, item, root, `${path}[${i}]`, closed)));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in obj)) fail(`missing required ${key}`);
    const props: Record<string, Schema> = s.properties ?? {};
    for (const [key, v] of Object.entries(obj)) {
      if (s.propertyNames !== undefined) errors.push(...validate(s.propertyNames, key, root, `${path}{${key}}`, closed));
      if (key in props) errors.push(...validate(props[key], v, root, `${path}.${key}`, closed));
      else if (s.additionalProperties !== undefined) errors.push(...validate(s.additionalProperties as Schema, v, root, `${path}.${key}`, closed));
      else if (closed && s.properties !== undefined) errors.push(`${path}.${key}: not in the documented properties`);
    }
  }
  return errors;
}
