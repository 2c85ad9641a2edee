/** JSON Schema → TypeScript declarations, through json-schema-to-typescript. */
import { compile } from 'json-schema-to-typescript';
import type { JsonSchema } from '../contract/fields.js';

export async function toTypeScript(schema: JsonSchema, name: string, header: string): Promise<string> {
  return compile(schema as Parameters<typeof compile>[0], name, {
    bannerComment: `// ${header}`,
    additionalProperties: false,
    // Without this, maxItems: 256 would become a union of 257 tuple types.
    ignoreMinAndMaxItems: true,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}
