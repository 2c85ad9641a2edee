/** The shape of a generated standalone validator (generated/v<N>/validate.js). */

/** One error as the generated code reports it (ajv's error object). */
export interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

export interface GeneratedValidator<T> {
  (data: unknown): data is T;
  /** The errors of the last call, or null when it passed. */
  errors?: SchemaError[] | null;
}
