import { describe, expect, it } from 'vitest';
import { TelemetryValidationError, assertTelemetry, isTelemetry, supportedVersions, validateTelemetry } from '../src/index.js';
import { fixture } from './helpers.js';

type Payload = Record<string, unknown>;
const minimal = (): Payload => fixture('v1/minimal.json');

/** Validates and returns the [path, rule] pairs of every error, or [] when valid. */
function problems(value: unknown): Array<[string, string]> {
  const result = validateTelemetry(value);
  return result.ok ? [] : result.errors.map((e) => [e.path, e.rule]);
}

function withField(name: string, value: unknown): Payload {
  return { ...minimal(), [name]: value };
}

function without(name: string): Payload {
  const payload = minimal();
  delete payload[name];
  return payload;
}

describe('validateTelemetry: schema v1', () => {
  it('accepts the minimal and the full fixture', () => {
    expect(problems(minimal())).toEqual([]);
    expect(problems(fixture('v1/full.json'))).toEqual([]);
  });

  it('returns the payload itself, typed, when valid', () => {
    const payload = minimal();
    const result = validateTelemetry(payload);
    expect(result.ok && result.value).toBe(payload);
  });

  describe('schemaVersion', () => {
    it('is required', () => expect(problems(without('schemaVersion'))).toContainEqual(['/schemaVersion', 'required']));
    it('refuses an unknown version and lists the supported ones', () => {
      const result = validateTelemetry(withField('schemaVersion', 2));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toEqual([expect.objectContaining({ path: '/schemaVersion', rule: 'unsupported-version' })]);
      expect(result.errors[0]!.message).toContain(`supported: ${supportedVersions.join(', ')}`);
    });
    it('refuses a fractional version', () => expect(problems(withField('schemaVersion', 1.5))).toContainEqual(['/schemaVersion', 'type']));
    it('refuses the version as a string', () => expect(problems(withField('schemaVersion', '1'))).toContainEqual(['/schemaVersion', 'type']));
  });

  describe('periodStart and periodEnd', () => {
    it.each(['2026-11-01T00:00:00Z', '2024-02-29T00:00:00Z', '2000-01-01T00:00:00Z'])('accept the UTC midnight %s', (start) => {
      expect(problems({ ...minimal(), periodStart: start, periodEnd: '2026-12-01T00:00:00Z' })).toEqual([]);
    });
    it.each([
      ['a time of day', '2026-11-01T12:00:00Z'],
      ['a second past midnight', '2026-11-01T00:00:01Z'],
      ['a fraction, even of zeros', '2026-11-01T00:00:00.000Z'],
      ['a nanosecond past midnight', '2026-11-01T00:00:00.000000001Z'],
      ['a year before 2000', '1999-12-31T00:00:00Z'],
      ['a year after 2099', '2100-01-01T00:00:00Z'],
    ])('refuse %s: only UTC midnights, spelled YYYY-MM-DDT00:00:00Z', (_name, value) => {
      expect(problems(withField('periodStart', value))).toContainEqual(['/periodStart', 'pattern']);
      expect(problems(withField('periodEnd', value))).toContainEqual(['/periodEnd', 'pattern']);
    });
    it('say what a bound must be when it is not one, without the value', () => {
      const result = validateTelemetry(withField('periodEnd', '2026-11-15T13:37:00Z'));
      expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual(['/periodEnd: must be a UTC midnight spelled YYYY-MM-DDT00:00:00Z, of a year from 2000 to 2099: a window starts and ends on whole days, got a string of 20 characters (pattern)']);
    });
    it.each([
      ['a day that does not exist', '2026-02-30T00:00:00Z', 'format'],
      ['February 29 of a common year', '2026-02-29T00:00:00Z', 'format'],
      ['hour 24', '2026-11-01T24:00:00Z', 'pattern'],
      ['a leap second', '2016-12-31T23:59:60Z', 'pattern'],
      ['an offset instead of Z', '2026-11-01T00:00:00+00:00', 'pattern'],
      ['a lowercase z', '2026-11-01T00:00:00z', 'pattern'],
      ['a space instead of T', '2026-11-01 00:00:00Z', 'pattern'],
      ['a date without time', '2026-11-01', 'pattern'],
      ['more than nanosecond precision', '2026-11-01T00:00:00.1234567891Z', 'maxLength'],
    ])('refuse %s', (_name, value, rule) => {
      expect(problems(withField('periodStart', value))).toContainEqual(['/periodStart', rule]);
      expect(problems(withField('periodEnd', value))).toContainEqual(['/periodEnd', rule]);
    });
    it('refuse a number', () => expect(problems(withField('periodStart', 1762000000))).toContainEqual(['/periodStart', 'type']));
    it('are both required', () => {
      expect(problems(without('periodStart'))).toContainEqual(['/periodStart', 'required']);
      expect(problems(without('periodEnd'))).toContainEqual(['/periodEnd', 'required']);
    });
  });

  describe('cross-field rule period-order', () => {
    it('refuses an empty window', () => {
      expect(problems({ ...minimal(), periodEnd: '2026-11-01T00:00:00Z' })).toEqual([['/periodEnd', 'period-order']]);
    });
    it('refuses a reversed window', () => {
      expect(problems({ ...minimal(), periodStart: '2026-11-16T00:00:00Z' })).toEqual([['/periodEnd', 'period-order']]);
    });
    it('accepts one day, the shortest window two midnights in order can make', () => {
      expect(problems({ ...minimal(), periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-02T00:00:00Z' })).toEqual([]);
    });
    it('is not reported when a period field already failed the schema', () => {
      expect(problems({ ...minimal(), periodStart: '2026-11-30T00:00:00Z', periodEnd: '2026-02-30T00:00:00Z' })).toEqual([['/periodEnd', 'format']]);
    });
  });

  describe.each(['activeSeats', 'policiesActive', 'policyExecutionsCount', 'totalProvisionedSeats'])('count %s', (name) => {
    it('accepts 0 and Number.MAX_SAFE_INTEGER', () => {
      expect(problems(withField(name, 0))).toEqual([]);
      expect(problems(withField(name, Number.MAX_SAFE_INTEGER))).toEqual([]);
    });
    it('refuses -1', () => expect(problems(withField(name, -1))).toEqual([[`/${name}`, 'minimum']]));
    it('refuses MAX_SAFE_INTEGER + 1', () => expect(problems(withField(name, Number.MAX_SAFE_INTEGER + 1))).toEqual([[`/${name}`, 'maximum']]));
    it('refuses a fraction', () => expect(problems(withField(name, 1.5))).toEqual([[`/${name}`, 'type']]));
    it('refuses a numeric string', () => expect(problems(withField(name, '1'))).toEqual([[`/${name}`, 'type']]));
    it('refuses null', () => expect(problems(withField(name, null))).toEqual([[`/${name}`, 'type']]));
    it('is required', () => expect(problems(without(name))).toEqual([[`/${name}`, 'required']]));
  });

  describe('seatLimitHit', () => {
    it('accepts true and false', () => {
      expect(problems(withField('seatLimitHit', true))).toEqual([]);
      expect(problems(withField('seatLimitHit', false))).toEqual([]);
    });
    it('refuses 0 and "false"', () => {
      expect(problems(withField('seatLimitHit', 0))).toEqual([['/seatLimitHit', 'type']]);
      expect(problems(withField('seatLimitHit', 'false'))).toEqual([['/seatLimitHit', 'type']]);
    });
  });

  describe('featuresUsed', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `feature-${String(i).padStart(3, '0')}`);
    it('accepts 256 sorted unique names, the limit', () => expect(problems(withField('featuresUsed', names(256)))).toEqual([]));
    it('refuses 257 names', () => expect(problems(withField('featuresUsed', names(257)))).toEqual([['/featuresUsed', 'maxItems']]));
    it('accepts a 64-character name and refuses 65 characters', () => {
      expect(problems(withField('featuresUsed', [`a${'b'.repeat(63)}`]))).toEqual([]);
      expect(problems(withField('featuresUsed', [`a${'b'.repeat(64)}`]))).toContainEqual(['/featuresUsed/0', 'maxLength']);
    });
    it.each(['Sso', '1sso', '-sso', 'sso saml', 'ssö', ''])('refuses the name %j', (name) => {
      expect(problems(withField('featuresUsed', [name]))).toContainEqual(['/featuresUsed/0', 'pattern']);
    });
    it('refuses a duplicate, pointing at the repeat', () => {
      expect(problems(withField('featuresUsed', ['a', 'b', 'b']))).toEqual([['/featuresUsed/2', 'uniqueItems']]);
    });
    it('refuses names out of code point order (features-sorted)', () => {
      expect(problems(withField('featuresUsed', ['b', 'a']))).toEqual([['/featuresUsed/1', 'features-sorted']]);
      expect(problems(withField('featuresUsed', ['sso', 'sso-saml', 'sso.saml', 'sso_saml']))).toEqual([]);
      expect(problems(withField('featuresUsed', ['sso_saml', 'sso.saml']))).toEqual([['/featuresUsed/1', 'features-sorted']]);
    });
    it('refuses a non-string item', () => expect(problems(withField('featuresUsed', [1]))).toEqual([['/featuresUsed/0', 'type']]));
    it('refuses a single string instead of a list', () => expect(problems(withField('featuresUsed', 'sso'))).toEqual([['/featuresUsed', 'type']]));
  });

  describe('appVersion', () => {
    it('is optional', () => expect(problems(minimal())).toEqual([]));
    it('accepts 7 and 40 lowercase hex characters', () => {
      expect(problems(withField('appVersion', 'abcdef0'))).toEqual([]);
      expect(problems(withField('appVersion', 'a'.repeat(40)))).toEqual([]);
    });
    it.each([
      ['6 characters', 'abcdef', 'minLength'],
      ['41 characters', 'a'.repeat(41), 'maxLength'],
      ['uppercase hex', 'ABCDEF0', 'pattern'],
      ['a version number', 'v1.2.3', 'pattern'],
    ])('refuses %s', (_name, value, rule) => expect(problems(withField('appVersion', value))).toContainEqual(['/appVersion', rule]));
    it('refuses null: optional means absent', () => expect(problems(withField('appVersion', null))).toEqual([['/appVersion', 'type']]));
  });

  describe('nodeVersion', () => {
    it.each(['20', '9', '100'])('accepts %j', (value) => expect(problems(withField('nodeVersion', value))).toEqual([]));
    it.each(['020', '0', '20.1', 'v20', '1000'])('refuses %j', (value) => {
      expect(problems(withField('nodeVersion', value)).map(([path]) => path)).toContain('/nodeVersion');
    });
    it('refuses a number', () => expect(problems(withField('nodeVersion', 20))).toEqual([['/nodeVersion', 'type']]));
    it('refuses null', () => expect(problems(withField('nodeVersion', null))).toEqual([['/nodeVersion', 'type']]));
  });

  describe('closed object', () => {
    it('refuses an unknown field by name', () => expect(problems(withField('userId', 'u-1'))).toEqual([['/userId', 'additionalProperties']]));
    it('names an unknown field that is not a short identifier by its length, never by its text', () => {
      expect(problems(withField('a/b~c', 1))).toEqual([['/<a name of 5 characters>', 'additionalProperties']]);
      const result = validateTelemetry(withField(`jane.doe@example.org${'x'.repeat(100)}`, 1));
      expect(result.ok ? [] : result.errors.map((e) => e.message)).toEqual(['/<a name of 120 characters>: is not a field of the contract, and unknown fields are rejected; got the integer 1 (additionalProperties)']);
    });
    it.each([
      ['null', null, 'got null'],
      ['an array', [minimal()], 'got an array of 1 item'],
      ['a string', '{"schemaVersion":1}', 'got a string of 19 characters'],
      ['a number', 1, 'got the integer 1'],
    ])('refuses %s as a payload', (_name, value, kind) => {
      const result = validateTelemetry(value);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ path: '', rule: 'type' });
      expect(result.errors[0]!.message).toBe(`(root): must be an object, ${kind} (type)`);
    });
  });

  describe('error messages', () => {
    it('follow `<path>: <what> (<rule>)` and name the kind of value', () => {
      const result = validateTelemetry(withField('activeSeats', -3));
      expect(result.ok || result.errors[0]!.message).toBe('/activeSeats: must be >= 0, got the integer -3 (minimum)');
    });
    it('never echo a string value', () => {
      const secret = 'hunter2-password-do-not-log';
      const result = validateTelemetry({ ...withField('appVersion', secret), password: secret });
      expect(result.ok).toBe(false);
      expect(JSON.stringify(result)).not.toContain(secret);
    });
    it('report every problem at once', () => {
      const payload = { ...without('seatLimitHit'), activeSeats: -1, extra: true };
      expect(problems(payload)).toEqual(
        expect.arrayContaining([
          ['/seatLimitHit', 'required'],
          ['/activeSeats', 'minimum'],
          ['/extra', 'additionalProperties'],
        ]),
      );
    });
  });

  it('never throws, even on a value with a throwing getter', () => {
    const hostile = Object.defineProperty(minimal(), 'activeSeats', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const result = validateTelemetry(hostile);
    expect(result.ok).toBe(false);
    expect(result.ok || result.errors[0]!.rule).toBe('unreadable');
  });
});

describe('isTelemetry', () => {
  it('is true for a valid payload and false for an invalid one', () => {
    expect(isTelemetry(minimal())).toBe(true);
    expect(isTelemetry(withField('activeSeats', -1))).toBe(false);
  });
});

describe('assertTelemetry', () => {
  it('passes a valid payload through', () => expect(() => assertTelemetry(minimal())).not.toThrow());
  it('throws one error listing every problem', () => {
    let caught: unknown;
    try {
      assertTelemetry({ ...without('seatLimitHit'), activeSeats: -1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TelemetryValidationError);
    const error = caught as TelemetryValidationError;
    expect(error.errors.map((e) => e.rule).sort()).toEqual(['minimum', 'required']);
    expect(error.message).toContain('2 problems');
    expect(error.message).toContain('/seatLimitHit: is required but missing (required)');
    expect(error.message).toContain('/activeSeats: must be >= 0');
  });
});
