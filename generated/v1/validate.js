// generated from schema/v1.ts by `npm run generate`; do not edit
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __esm = (fn, res) => function __init() {
  return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
};
var __commonJS = (cb, mod) => function __require() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

// node_modules/ajv/dist/runtime/ucs2length.js
var require_ucs2length = __commonJS({
  "node_modules/ajv/dist/runtime/ucs2length.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    function ucs2length(str) {
      const len = str.length;
      let length = 0;
      let pos = 0;
      let value;
      while (pos < len) {
        length++;
        value = str.charCodeAt(pos++);
        if (value >= 55296 && value <= 56319 && pos < len) {
          value = str.charCodeAt(pos);
          if ((value & 64512) === 56320)
            pos++;
        }
      }
      return length;
    }
    exports.default = ucs2length;
    ucs2length.code = 'require("ajv/dist/runtime/ucs2length").default';
  }
});

// src/contract/formats.ts
var formats_exports = {};
__export(formats_exports, {
  formats: () => formats,
  isDateTime: () => isDateTime
});
function isLeapYear(year) {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
function twoDigits(value, at) {
  const tens = value.charCodeAt(at) - 48;
  const ones = value.charCodeAt(at + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}
function isDateTime(value) {
  if (value.length < 20) return false;
  const century = twoDigits(value, 0);
  const yearOfCentury = twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (century < 0 || yearOfCentury < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return false;
  const t = value.charCodeAt(10);
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || t !== 84 && t !== 116 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return false;
  let at = 19;
  if (value.charCodeAt(at) === 46) {
    const first = ++at;
    for (let c = value.charCodeAt(at); c >= 48 && c <= 57; c = value.charCodeAt(++at)) ;
    if (at === first) return false;
  }
  let offsetMinutes = 0;
  const zone = value.charCodeAt(at);
  if (zone === 90 || zone === 122) {
    if (at + 1 !== value.length) return false;
  } else if (zone === 43 || zone === 45) {
    const offsetHour = twoDigits(value, at + 1);
    const offsetMinute = twoDigits(value, at + 4);
    if (at + 6 !== value.length || value.charCodeAt(at + 3) !== 58 || offsetHour < 0 || offsetHour > 23 || offsetMinute < 0 || offsetMinute > 59) return false;
    offsetMinutes = (zone === 45 ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  } else {
    return false;
  }
  const year = century * 100 + yearOfCentury;
  if (month < 1 || month > 12 || day < 1) return false;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day > maxDay || hour > 23 || minute > 59 || second > 60) return false;
  if (second === 60) {
    const utc = /* @__PURE__ */ new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute - offsetMinutes, 0, 0);
    return utc.getUTCHours() === 23 && utc.getUTCMinutes() === 59 && LEAP_SECOND_DAYS.has(utc.toISOString().slice(0, 10));
  }
  return true;
}
var DAYS_IN_MONTH, LEAP_SECOND_DAYS, formats;
var init_formats = __esm({
  "src/contract/formats.ts"() {
    DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    LEAP_SECOND_DAYS = new Set(
      "1960-12-31 1961-07-31 1961-12-31 1963-10-31 1963-12-31 1964-03-31 1964-08-31 1964-12-31 1965-02-28 1965-06-30 1965-08-31 1965-12-31 1968-01-31 1971-12-31 1972-06-30 1972-12-31 1973-12-31 1974-12-31 1975-12-31 1976-12-31 1977-12-31 1978-12-31 1979-12-31 1981-06-30 1982-06-30 1983-06-30 1985-06-30 1987-12-31 1989-12-31 1990-12-31 1992-06-30 1993-06-30 1994-06-30 1995-12-31 1997-06-30 1998-12-31 2005-12-31 2008-12-31 2012-06-30 2015-06-30 2016-12-31".split(" ")
    );
    formats = { "date-time": isDateTime };
  }
});

// validator.js
var validate = validate20;
var validator_default = validate20;
var schema31 = { "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:telemetry-contract:schema:v1", "$comment": "generated from schema/v1.ts by `npm run generate`; do not edit", "title": "TelemetryV1", "description": "Usage telemetry report, schema version 1: aggregate counts and license posture of one on-prem deployment for one time window.", "type": "object", "properties": { "schemaVersion": { "const": 1, "type": "integer" }, "periodStart": { "format": "date-time", "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$", "minLength": 20, "maxLength": 20, "type": "string" }, "periodEnd": { "format": "date-time", "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$", "minLength": 20, "maxLength": 20, "type": "string" }, "activeSeats": { "minimum": 0, "maximum": 9007199254740991, "type": "integer" }, "policiesActive": { "minimum": 0, "maximum": 9007199254740991, "type": "integer" }, "policyExecutionsCount": { "minimum": 0, "maximum": 9007199254740991, "type": "integer" }, "totalProvisionedSeats": { "minimum": 0, "maximum": 9007199254740991, "type": "integer" }, "seatLimitHit": { "type": "boolean" }, "featuresUsed": { "maxItems": 256, "uniqueItems": true, "type": "array", "items": { "pattern": "^[a-z][a-z0-9._-]{0,63}$", "maxLength": 64, "type": "string" } }, "appVersion": { "pattern": "^[0-9a-f]{7,40}$", "minLength": 7, "maxLength": 40, "type": "string" }, "nodeVersion": { "pattern": "^[1-9][0-9]{0,2}$", "maxLength": 3, "type": "string" } }, "required": ["schemaVersion", "periodStart", "periodEnd", "activeSeats", "policiesActive", "policyExecutionsCount", "totalProvisionedSeats", "seatLimitHit", "featuresUsed"], "additionalProperties": false, "x-headers": { "additionalProperties": true, "type": "object", "required": ["content-type", "webhook-id", "webhook-timestamp", "webhook-signature", "x-telemetry-customer", "x-telemetry-license-id", "x-telemetry-schema-version"], "properties": { "content-type": { "pattern": "^application/(json|jose|vnd\\.telemetry-contract\\.probe\\+json)(; ?charset=(utf|UTF)-8)?$", "maxLength": 64, "type": "string" }, "webhook-id": { "pattern": "^msg_[0-9a-f]{64}$", "maxLength": 68, "type": "string" }, "webhook-timestamp": { "pattern": "^[0-9]{1,12}$", "maxLength": 12, "type": "string" }, "webhook-signature": { "pattern": "^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=){0,7}$", "maxLength": 391, "type": "string" }, "x-telemetry-customer": { "pattern": "^[A-Za-z0-9%._~!*'()-]{1,768}$", "maxLength": 768, "type": "string" }, "x-telemetry-license-id": { "pattern": "^[A-Za-z0-9._-]{1,128}$", "maxLength": 128, "type": "string" }, "x-telemetry-schema-version": { "pattern": "^[1-9][0-9]{0,3}$", "maxLength": 4, "type": "string" } } }, "x-transport-headers": { "additionalProperties": false, "type": "object", "required": ["host", "content-length", "connection", "user-agent", "accept", "accept-language", "accept-encoding", "sec-fetch-mode"], "properties": { "host": { "pattern": "^(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$", "maxLength": 261, "type": "string" }, "content-length": { "pattern": "^[0-9]{1,6}$", "maxLength": 6, "type": "string" }, "connection": { "pattern": "^(keep-alive|close)$", "maxLength": 10, "type": "string" }, "user-agent": { "const": "telemetry-contract", "type": "string" }, "accept": { "const": "application/json", "type": "string" }, "accept-language": { "const": "*", "type": "string" }, "accept-encoding": { "const": "identity", "type": "string" }, "sec-fetch-mode": { "const": "cors", "type": "string" } } }, "x-rules": [{ "id": "period-order", "kind": "instant-before", "earlier": "/periodStart", "later": "/periodEnd", "meaning": "periodStart is strictly earlier than periodEnd; an empty or reversed window is refused. As both are UTC midnights, a window is at least one day long." }, { "id": "features-sorted", "kind": "sorted-by-code-point", "path": "/featuresUsed", "meaning": "featuresUsed is in ascending Unicode code point order, so two reports of the same feature set are byte-identical." }] };
var func0 = Object.prototype.hasOwnProperty;
var func72 = require_ucs2length().default;
var formats0 = (init_formats(), __toCommonJS(formats_exports)).formats["date-time"];
var pattern4 = new RegExp("^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$", "u");
var pattern6 = new RegExp("^[a-z][a-z0-9._-]{0,63}$", "u");
var pattern7 = new RegExp("^[0-9a-f]{7,40}$", "u");
var pattern8 = new RegExp("^[1-9][0-9]{0,2}$", "u");
function validate20(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) {
  ;
  let vErrors = null;
  let errors = 0;
  const evaluated0 = validate20.evaluated;
  if (evaluated0.dynamicProps) {
    evaluated0.props = void 0;
  }
  if (evaluated0.dynamicItems) {
    evaluated0.items = void 0;
  }
  if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.schemaVersion === void 0 || !func0.call(data, "schemaVersion")) {
      const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "schemaVersion" }, message: "must have required property 'schemaVersion'" };
      if (vErrors === null) {
        vErrors = [err0];
      } else {
        vErrors.push(err0);
      }
      errors++;
    }
    if (data.periodStart === void 0 || !func0.call(data, "periodStart")) {
      const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "periodStart" }, message: "must have required property 'periodStart'" };
      if (vErrors === null) {
        vErrors = [err1];
      } else {
        vErrors.push(err1);
      }
      errors++;
    }
    if (data.periodEnd === void 0 || !func0.call(data, "periodEnd")) {
      const err2 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "periodEnd" }, message: "must have required property 'periodEnd'" };
      if (vErrors === null) {
        vErrors = [err2];
      } else {
        vErrors.push(err2);
      }
      errors++;
    }
    if (data.activeSeats === void 0 || !func0.call(data, "activeSeats")) {
      const err3 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "activeSeats" }, message: "must have required property 'activeSeats'" };
      if (vErrors === null) {
        vErrors = [err3];
      } else {
        vErrors.push(err3);
      }
      errors++;
    }
    if (data.policiesActive === void 0 || !func0.call(data, "policiesActive")) {
      const err4 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "policiesActive" }, message: "must have required property 'policiesActive'" };
      if (vErrors === null) {
        vErrors = [err4];
      } else {
        vErrors.push(err4);
      }
      errors++;
    }
    if (data.policyExecutionsCount === void 0 || !func0.call(data, "policyExecutionsCount")) {
      const err5 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "policyExecutionsCount" }, message: "must have required property 'policyExecutionsCount'" };
      if (vErrors === null) {
        vErrors = [err5];
      } else {
        vErrors.push(err5);
      }
      errors++;
    }
    if (data.totalProvisionedSeats === void 0 || !func0.call(data, "totalProvisionedSeats")) {
      const err6 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "totalProvisionedSeats" }, message: "must have required property 'totalProvisionedSeats'" };
      if (vErrors === null) {
        vErrors = [err6];
      } else {
        vErrors.push(err6);
      }
      errors++;
    }
    if (data.seatLimitHit === void 0 || !func0.call(data, "seatLimitHit")) {
      const err7 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "seatLimitHit" }, message: "must have required property 'seatLimitHit'" };
      if (vErrors === null) {
        vErrors = [err7];
      } else {
        vErrors.push(err7);
      }
      errors++;
    }
    if (data.featuresUsed === void 0 || !func0.call(data, "featuresUsed")) {
      const err8 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "featuresUsed" }, message: "must have required property 'featuresUsed'" };
      if (vErrors === null) {
        vErrors = [err8];
      } else {
        vErrors.push(err8);
      }
      errors++;
    }
    for (const key0 of Object.keys(data)) {
      if (!func0.call(schema31.properties, key0)) {
        const err9 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties" };
        if (vErrors === null) {
          vErrors = [err9];
        } else {
          vErrors.push(err9);
        }
        errors++;
      }
    }
    if (data.schemaVersion !== void 0 && func0.call(data, "schemaVersion")) {
      let data0 = data.schemaVersion;
      if (!(typeof data0 == "number" && (!(data0 % 1) && !isNaN(data0)) && isFinite(data0))) {
        const err10 = { instancePath: instancePath + "/schemaVersion", schemaPath: "#/properties/schemaVersion/type", keyword: "type", params: { type: "integer" }, message: "must be integer" };
        if (vErrors === null) {
          vErrors = [err10];
        } else {
          vErrors.push(err10);
        }
        errors++;
      }
      if (1 !== data0) {
        const err11 = { instancePath: instancePath + "/schemaVersion", schemaPath: "#/properties/schemaVersion/const", keyword: "const", params: { allowedValue: 1 }, message: "must be equal to constant" };
        if (vErrors === null) {
          vErrors = [err11];
        } else {
          vErrors.push(err11);
        }
        errors++;
      }
    }
    if (data.periodStart !== void 0 && func0.call(data, "periodStart")) {
      let data1 = data.periodStart;
      if (typeof data1 === "string") {
        if (func72(data1) > 20) {
          const err12 = { instancePath: instancePath + "/periodStart", schemaPath: "#/properties/periodStart/maxLength", keyword: "maxLength", params: { limit: 20 }, message: "must NOT have more than 20 characters" };
          if (vErrors === null) {
            vErrors = [err12];
          } else {
            vErrors.push(err12);
          }
          errors++;
        }
        if (func72(data1) < 20) {
          const err13 = { instancePath: instancePath + "/periodStart", schemaPath: "#/properties/periodStart/minLength", keyword: "minLength", params: { limit: 20 }, message: "must NOT have fewer than 20 characters" };
          if (vErrors === null) {
            vErrors = [err13];
          } else {
            vErrors.push(err13);
          }
          errors++;
        }
        if (!pattern4.test(data1)) {
          const err14 = { instancePath: instancePath + "/periodStart", schemaPath: "#/properties/periodStart/pattern", keyword: "pattern", params: { pattern: "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$" }, message: 'must match pattern "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$"' };
          if (vErrors === null) {
            vErrors = [err14];
          } else {
            vErrors.push(err14);
          }
          errors++;
        }
        if (!formats0(data1)) {
          const err15 = { instancePath: instancePath + "/periodStart", schemaPath: "#/properties/periodStart/format", keyword: "format", params: { format: "date-time" }, message: 'must match format "date-time"' };
          if (vErrors === null) {
            vErrors = [err15];
          } else {
            vErrors.push(err15);
          }
          errors++;
        }
      } else {
        const err16 = { instancePath: instancePath + "/periodStart", schemaPath: "#/properties/periodStart/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err16];
        } else {
          vErrors.push(err16);
        }
        errors++;
      }
    }
    if (data.periodEnd !== void 0 && func0.call(data, "periodEnd")) {
      let data2 = data.periodEnd;
      if (typeof data2 === "string") {
        if (func72(data2) > 20) {
          const err17 = { instancePath: instancePath + "/periodEnd", schemaPath: "#/properties/periodEnd/maxLength", keyword: "maxLength", params: { limit: 20 }, message: "must NOT have more than 20 characters" };
          if (vErrors === null) {
            vErrors = [err17];
          } else {
            vErrors.push(err17);
          }
          errors++;
        }
        if (func72(data2) < 20) {
          const err18 = { instancePath: instancePath + "/periodEnd", schemaPath: "#/properties/periodEnd/minLength", keyword: "minLength", params: { limit: 20 }, message: "must NOT have fewer than 20 characters" };
          if (vErrors === null) {
            vErrors = [err18];
          } else {
            vErrors.push(err18);
          }
          errors++;
        }
        if (!pattern4.test(data2)) {
          const err19 = { instancePath: instancePath + "/periodEnd", schemaPath: "#/properties/periodEnd/pattern", keyword: "pattern", params: { pattern: "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$" }, message: 'must match pattern "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$"' };
          if (vErrors === null) {
            vErrors = [err19];
          } else {
            vErrors.push(err19);
          }
          errors++;
        }
        if (!formats0(data2)) {
          const err20 = { instancePath: instancePath + "/periodEnd", schemaPath: "#/properties/periodEnd/format", keyword: "format", params: { format: "date-time" }, message: 'must match format "date-time"' };
          if (vErrors === null) {
            vErrors = [err20];
          } else {
            vErrors.push(err20);
          }
          errors++;
        }
      } else {
        const err21 = { instancePath: instancePath + "/periodEnd", schemaPath: "#/properties/periodEnd/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err21];
        } else {
          vErrors.push(err21);
        }
        errors++;
      }
    }
    if (data.activeSeats !== void 0 && func0.call(data, "activeSeats")) {
      let data3 = data.activeSeats;
      if (!(typeof data3 == "number" && (!(data3 % 1) && !isNaN(data3)) && isFinite(data3))) {
        const err22 = { instancePath: instancePath + "/activeSeats", schemaPath: "#/properties/activeSeats/type", keyword: "type", params: { type: "integer" }, message: "must be integer" };
        if (vErrors === null) {
          vErrors = [err22];
        } else {
          vErrors.push(err22);
        }
        errors++;
      }
      if (typeof data3 == "number" && isFinite(data3)) {
        if (data3 > 9007199254740991 || isNaN(data3)) {
          const err23 = { instancePath: instancePath + "/activeSeats", schemaPath: "#/properties/activeSeats/maximum", keyword: "maximum", params: { comparison: "<=", limit: 9007199254740991 }, message: "must be <= 9007199254740991" };
          if (vErrors === null) {
            vErrors = [err23];
          } else {
            vErrors.push(err23);
          }
          errors++;
        }
        if (data3 < 0 || isNaN(data3)) {
          const err24 = { instancePath: instancePath + "/activeSeats", schemaPath: "#/properties/activeSeats/minimum", keyword: "minimum", params: { comparison: ">=", limit: 0 }, message: "must be >= 0" };
          if (vErrors === null) {
            vErrors = [err24];
          } else {
            vErrors.push(err24);
          }
          errors++;
        }
      }
    }
    if (data.policiesActive !== void 0 && func0.call(data, "policiesActive")) {
      let data4 = data.policiesActive;
      if (!(typeof data4 == "number" && (!(data4 % 1) && !isNaN(data4)) && isFinite(data4))) {
        const err25 = { instancePath: instancePath + "/policiesActive", schemaPath: "#/properties/policiesActive/type", keyword: "type", params: { type: "integer" }, message: "must be integer" };
        if (vErrors === null) {
          vErrors = [err25];
        } else {
          vErrors.push(err25);
        }
        errors++;
      }
      if (typeof data4 == "number" && isFinite(data4)) {
        if (data4 > 9007199254740991 || isNaN(data4)) {
          const err26 = { instancePath: instancePath + "/policiesActive", schemaPath: "#/properties/policiesActive/maximum", keyword: "maximum", params: { comparison: "<=", limit: 9007199254740991 }, message: "must be <= 9007199254740991" };
          if (vErrors === null) {
            vErrors = [err26];
          } else {
            vErrors.push(err26);
          }
          errors++;
        }
        if (data4 < 0 || isNaN(data4)) {
          const err27 = { instancePath: instancePath + "/policiesActive", schemaPath: "#/properties/policiesActive/minimum", keyword: "minimum", params: { comparison: ">=", limit: 0 }, message: "must be >= 0" };
          if (vErrors === null) {
            vErrors = [err27];
          } else {
            vErrors.push(err27);
          }
          errors++;
        }
      }
    }
    if (data.policyExecutionsCount !== void 0 && func0.call(data, "policyExecutionsCount")) {
      let data5 = data.policyExecutionsCount;
      if (!(typeof data5 == "number" && (!(data5 % 1) && !isNaN(data5)) && isFinite(data5))) {
        const err28 = { instancePath: instancePath + "/policyExecutionsCount", schemaPath: "#/properties/policyExecutionsCount/type", keyword: "type", params: { type: "integer" }, message: "must be integer" };
        if (vErrors === null) {
          vErrors = [err28];
        } else {
          vErrors.push(err28);
        }
        errors++;
      }
      if (typeof data5 == "number" && isFinite(data5)) {
        if (data5 > 9007199254740991 || isNaN(data5)) {
          const err29 = { instancePath: instancePath + "/policyExecutionsCount", schemaPath: "#/properties/policyExecutionsCount/maximum", keyword: "maximum", params: { comparison: "<=", limit: 9007199254740991 }, message: "must be <= 9007199254740991" };
          if (vErrors === null) {
            vErrors = [err29];
          } else {
            vErrors.push(err29);
          }
          errors++;
        }
        if (data5 < 0 || isNaN(data5)) {
          const err30 = { instancePath: instancePath + "/policyExecutionsCount", schemaPath: "#/properties/policyExecutionsCount/minimum", keyword: "minimum", params: { comparison: ">=", limit: 0 }, message: "must be >= 0" };
          if (vErrors === null) {
            vErrors = [err30];
          } else {
            vErrors.push(err30);
          }
          errors++;
        }
      }
    }
    if (data.totalProvisionedSeats !== void 0 && func0.call(data, "totalProvisionedSeats")) {
      let data6 = data.totalProvisionedSeats;
      if (!(typeof data6 == "number" && (!(data6 % 1) && !isNaN(data6)) && isFinite(data6))) {
        const err31 = { instancePath: instancePath + "/totalProvisionedSeats", schemaPath: "#/properties/totalProvisionedSeats/type", keyword: "type", params: { type: "integer" }, message: "must be integer" };
        if (vErrors === null) {
          vErrors = [err31];
        } else {
          vErrors.push(err31);
        }
        errors++;
      }
      if (typeof data6 == "number" && isFinite(data6)) {
        if (data6 > 9007199254740991 || isNaN(data6)) {
          const err32 = { instancePath: instancePath + "/totalProvisionedSeats", schemaPath: "#/properties/totalProvisionedSeats/maximum", keyword: "maximum", params: { comparison: "<=", limit: 9007199254740991 }, message: "must be <= 9007199254740991" };
          if (vErrors === null) {
            vErrors = [err32];
          } else {
            vErrors.push(err32);
          }
          errors++;
        }
        if (data6 < 0 || isNaN(data6)) {
          const err33 = { instancePath: instancePath + "/totalProvisionedSeats", schemaPath: "#/properties/totalProvisionedSeats/minimum", keyword: "minimum", params: { comparison: ">=", limit: 0 }, message: "must be >= 0" };
          if (vErrors === null) {
            vErrors = [err33];
          } else {
            vErrors.push(err33);
          }
          errors++;
        }
      }
    }
    if (data.seatLimitHit !== void 0 && func0.call(data, "seatLimitHit")) {
      if (typeof data.seatLimitHit !== "boolean") {
        const err34 = { instancePath: instancePath + "/seatLimitHit", schemaPath: "#/properties/seatLimitHit/type", keyword: "type", params: { type: "boolean" }, message: "must be boolean" };
        if (vErrors === null) {
          vErrors = [err34];
        } else {
          vErrors.push(err34);
        }
        errors++;
      }
    }
    if (data.featuresUsed !== void 0 && func0.call(data, "featuresUsed")) {
      let data8 = data.featuresUsed;
      if (Array.isArray(data8)) {
        if (data8.length > 256) {
          const err35 = { instancePath: instancePath + "/featuresUsed", schemaPath: "#/properties/featuresUsed/maxItems", keyword: "maxItems", params: { limit: 256 }, message: "must NOT have more than 256 items" };
          if (vErrors === null) {
            vErrors = [err35];
          } else {
            vErrors.push(err35);
          }
          errors++;
        }
        const len0 = data8.length;
        for (let i0 = 0; i0 < len0; i0++) {
          let data9 = data8[i0];
          if (typeof data9 === "string") {
            if (func72(data9) > 64) {
              const err36 = { instancePath: instancePath + "/featuresUsed/" + i0, schemaPath: "#/properties/featuresUsed/items/maxLength", keyword: "maxLength", params: { limit: 64 }, message: "must NOT have more than 64 characters" };
              if (vErrors === null) {
                vErrors = [err36];
              } else {
                vErrors.push(err36);
              }
              errors++;
            }
            if (!pattern6.test(data9)) {
              const err37 = { instancePath: instancePath + "/featuresUsed/" + i0, schemaPath: "#/properties/featuresUsed/items/pattern", keyword: "pattern", params: { pattern: "^[a-z][a-z0-9._-]{0,63}$" }, message: 'must match pattern "^[a-z][a-z0-9._-]{0,63}$"' };
              if (vErrors === null) {
                vErrors = [err37];
              } else {
                vErrors.push(err37);
              }
              errors++;
            }
          } else {
            const err38 = { instancePath: instancePath + "/featuresUsed/" + i0, schemaPath: "#/properties/featuresUsed/items/type", keyword: "type", params: { type: "string" }, message: "must be string" };
            if (vErrors === null) {
              vErrors = [err38];
            } else {
              vErrors.push(err38);
            }
            errors++;
          }
        }
        let i1 = data8.length;
        let j0;
        if (i1 > 1) {
          const indices0 = {};
          for (; i1--; ) {
            let item0 = data8[i1];
            if (typeof item0 !== "string") {
              continue;
            }
            if (typeof indices0[item0] == "number") {
              j0 = indices0[item0];
              const err39 = { instancePath: instancePath + "/featuresUsed", schemaPath: "#/properties/featuresUsed/uniqueItems", keyword: "uniqueItems", params: { i: i1, j: j0 }, message: "must NOT have duplicate items (items ## " + j0 + " and " + i1 + " are identical)" };
              if (vErrors === null) {
                vErrors = [err39];
              } else {
                vErrors.push(err39);
              }
              errors++;
              break;
            }
            indices0[item0] = i1;
          }
        }
      } else {
        const err40 = { instancePath: instancePath + "/featuresUsed", schemaPath: "#/properties/featuresUsed/type", keyword: "type", params: { type: "array" }, message: "must be array" };
        if (vErrors === null) {
          vErrors = [err40];
        } else {
          vErrors.push(err40);
        }
        errors++;
      }
    }
    if (data.appVersion !== void 0 && func0.call(data, "appVersion")) {
      let data10 = data.appVersion;
      if (typeof data10 === "string") {
        if (func72(data10) > 40) {
          const err41 = { instancePath: instancePath + "/appVersion", schemaPath: "#/properties/appVersion/maxLength", keyword: "maxLength", params: { limit: 40 }, message: "must NOT have more than 40 characters" };
          if (vErrors === null) {
            vErrors = [err41];
          } else {
            vErrors.push(err41);
          }
          errors++;
        }
        if (func72(data10) < 7) {
          const err42 = { instancePath: instancePath + "/appVersion", schemaPath: "#/properties/appVersion/minLength", keyword: "minLength", params: { limit: 7 }, message: "must NOT have fewer than 7 characters" };
          if (vErrors === null) {
            vErrors = [err42];
          } else {
            vErrors.push(err42);
          }
          errors++;
        }
        if (!pattern7.test(data10)) {
          const err43 = { instancePath: instancePath + "/appVersion", schemaPath: "#/properties/appVersion/pattern", keyword: "pattern", params: { pattern: "^[0-9a-f]{7,40}$" }, message: 'must match pattern "^[0-9a-f]{7,40}$"' };
          if (vErrors === null) {
            vErrors = [err43];
          } else {
            vErrors.push(err43);
          }
          errors++;
        }
      } else {
        const err44 = { instancePath: instancePath + "/appVersion", schemaPath: "#/properties/appVersion/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err44];
        } else {
          vErrors.push(err44);
        }
        errors++;
      }
    }
    if (data.nodeVersion !== void 0 && func0.call(data, "nodeVersion")) {
      let data11 = data.nodeVersion;
      if (typeof data11 === "string") {
        if (func72(data11) > 3) {
          const err45 = { instancePath: instancePath + "/nodeVersion", schemaPath: "#/properties/nodeVersion/maxLength", keyword: "maxLength", params: { limit: 3 }, message: "must NOT have more than 3 characters" };
          if (vErrors === null) {
            vErrors = [err45];
          } else {
            vErrors.push(err45);
          }
          errors++;
        }
        if (!pattern8.test(data11)) {
          const err46 = { instancePath: instancePath + "/nodeVersion", schemaPath: "#/properties/nodeVersion/pattern", keyword: "pattern", params: { pattern: "^[1-9][0-9]{0,2}$" }, message: 'must match pattern "^[1-9][0-9]{0,2}$"' };
          if (vErrors === null) {
            vErrors = [err46];
          } else {
            vErrors.push(err46);
          }
          errors++;
        }
      } else {
        const err47 = { instancePath: instancePath + "/nodeVersion", schemaPath: "#/properties/nodeVersion/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err47];
        } else {
          vErrors.push(err47);
        }
        errors++;
      }
    }
  } else {
    const err48 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object" };
    if (vErrors === null) {
      vErrors = [err48];
    } else {
      vErrors.push(err48);
    }
    errors++;
  }
  validate20.errors = vErrors;
  return errors === 0;
}
validate20.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
export {
  validator_default as default,
  validate
};
