// generated from schema/license.ts by `npm run generate`; do not edit
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
var func0 = Object.prototype.hasOwnProperty;
var func65 = require_ucs2length().default;
var pattern4 = new RegExp("^[A-Za-z0-9._-]{1,128}$", "u");
var pattern5 = new RegExp("^[^\\p{Cc}\\p{Cs}]*$", "u");
var pattern6 = new RegExp("^[a-z][a-z0-9._-]{0,63}$", "u");
var pattern7 = new RegExp("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$", "u");
var pattern8 = new RegExp("^[a-z][a-z0-9]{1,15}(-[a-z0-9]{1,16}){0,3}$", "u");
var formats0 = (init_formats(), __toCommonJS(formats_exports)).formats["date-time"];
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
    if (data.licenseId === void 0 || !func0.call(data, "licenseId")) {
      const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "licenseId" }, message: "must have required property 'licenseId'" };
      if (vErrors === null) {
        vErrors = [err0];
      } else {
        vErrors.push(err0);
      }
      errors++;
    }
    if (data.legalEntity === void 0 || !func0.call(data, "legalEntity")) {
      const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "legalEntity" }, message: "must have required property 'legalEntity'" };
      if (vErrors === null) {
        vErrors = [err1];
      } else {
        vErrors.push(err1);
      }
      errors++;
    }
    if (data.features === void 0 || !func0.call(data, "features")) {
      const err2 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "features" }, message: "must have required property 'features'" };
      if (vErrors === null) {
        vErrors = [err2];
      } else {
        vErrors.push(err2);
      }
      errors++;
    }
    if (data.dataRegion === void 0 || !func0.call(data, "dataRegion")) {
      const err3 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "dataRegion" }, message: "must have required property 'dataRegion'" };
      if (vErrors === null) {
        vErrors = [err3];
      } else {
        vErrors.push(err3);
      }
      errors++;
    }
    for (const key0 of Object.keys(data)) {
      if (!(key0 === "licenseId" || key0 === "legalEntity" || key0 === "features" || key0 === "contractEnd" || key0 === "dataRegion")) {
        const err4 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties" };
        if (vErrors === null) {
          vErrors = [err4];
        } else {
          vErrors.push(err4);
        }
        errors++;
      }
    }
    if (data.licenseId !== void 0 && func0.call(data, "licenseId")) {
      let data0 = data.licenseId;
      if (typeof data0 === "string") {
        if (func65(data0) > 128) {
          const err5 = { instancePath: instancePath + "/licenseId", schemaPath: "#/properties/licenseId/maxLength", keyword: "maxLength", params: { limit: 128 }, message: "must NOT have more than 128 characters" };
          if (vErrors === null) {
            vErrors = [err5];
          } else {
            vErrors.push(err5);
          }
          errors++;
        }
        if (!pattern4.test(data0)) {
          const err6 = { instancePath: instancePath + "/licenseId", schemaPath: "#/properties/licenseId/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z0-9._-]{1,128}$" }, message: 'must match pattern "^[A-Za-z0-9._-]{1,128}$"' };
          if (vErrors === null) {
            vErrors = [err6];
          } else {
            vErrors.push(err6);
          }
          errors++;
        }
      } else {
        const err7 = { instancePath: instancePath + "/licenseId", schemaPath: "#/properties/licenseId/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err7];
        } else {
          vErrors.push(err7);
        }
        errors++;
      }
    }
    if (data.legalEntity !== void 0 && func0.call(data, "legalEntity")) {
      let data1 = data.legalEntity;
      if (typeof data1 === "string") {
        if (func65(data1) > 256) {
          const err8 = { instancePath: instancePath + "/legalEntity", schemaPath: "#/properties/legalEntity/maxLength", keyword: "maxLength", params: { limit: 256 }, message: "must NOT have more than 256 characters" };
          if (vErrors === null) {
            vErrors = [err8];
          } else {
            vErrors.push(err8);
          }
          errors++;
        }
        if (func65(data1) < 1) {
          const err9 = { instancePath: instancePath + "/legalEntity", schemaPath: "#/properties/legalEntity/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters" };
          if (vErrors === null) {
            vErrors = [err9];
          } else {
            vErrors.push(err9);
          }
          errors++;
        }
        if (!pattern5.test(data1)) {
          const err10 = { instancePath: instancePath + "/legalEntity", schemaPath: "#/properties/legalEntity/pattern", keyword: "pattern", params: { pattern: "^[^\\p{Cc}\\p{Cs}]*$" }, message: 'must match pattern "^[^\\p{Cc}\\p{Cs}]*$"' };
          if (vErrors === null) {
            vErrors = [err10];
          } else {
            vErrors.push(err10);
          }
          errors++;
        }
      } else {
        const err11 = { instancePath: instancePath + "/legalEntity", schemaPath: "#/properties/legalEntity/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err11];
        } else {
          vErrors.push(err11);
        }
        errors++;
      }
    }
    if (data.features !== void 0 && func0.call(data, "features")) {
      let data2 = data.features;
      if (Array.isArray(data2)) {
        if (data2.length > 256) {
          const err12 = { instancePath: instancePath + "/features", schemaPath: "#/properties/features/maxItems", keyword: "maxItems", params: { limit: 256 }, message: "must NOT have more than 256 items" };
          if (vErrors === null) {
            vErrors = [err12];
          } else {
            vErrors.push(err12);
          }
          errors++;
        }
        const len0 = data2.length;
        for (let i0 = 0; i0 < len0; i0++) {
          let data3 = data2[i0];
          if (typeof data3 === "string") {
            if (func65(data3) > 64) {
              const err13 = { instancePath: instancePath + "/features/" + i0, schemaPath: "#/properties/features/items/maxLength", keyword: "maxLength", params: { limit: 64 }, message: "must NOT have more than 64 characters" };
              if (vErrors === null) {
                vErrors = [err13];
              } else {
                vErrors.push(err13);
              }
              errors++;
            }
            if (!pattern6.test(data3)) {
              const err14 = { instancePath: instancePath + "/features/" + i0, schemaPath: "#/properties/features/items/pattern", keyword: "pattern", params: { pattern: "^[a-z][a-z0-9._-]{0,63}$" }, message: 'must match pattern "^[a-z][a-z0-9._-]{0,63}$"' };
              if (vErrors === null) {
                vErrors = [err14];
              } else {
                vErrors.push(err14);
              }
              errors++;
            }
          } else {
            const err15 = { instancePath: instancePath + "/features/" + i0, schemaPath: "#/properties/features/items/type", keyword: "type", params: { type: "string" }, message: "must be string" };
            if (vErrors === null) {
              vErrors = [err15];
            } else {
              vErrors.push(err15);
            }
            errors++;
          }
        }
        let i1 = data2.length;
        let j0;
        if (i1 > 1) {
          const indices0 = {};
          for (; i1--; ) {
            let item0 = data2[i1];
            if (typeof item0 !== "string") {
              continue;
            }
            if (typeof indices0[item0] == "number") {
              j0 = indices0[item0];
              const err16 = { instancePath: instancePath + "/features", schemaPath: "#/properties/features/uniqueItems", keyword: "uniqueItems", params: { i: i1, j: j0 }, message: "must NOT have duplicate items (items ## " + j0 + " and " + i1 + " are identical)" };
              if (vErrors === null) {
                vErrors = [err16];
              } else {
                vErrors.push(err16);
              }
              errors++;
              break;
            }
            indices0[item0] = i1;
          }
        }
      } else {
        const err17 = { instancePath: instancePath + "/features", schemaPath: "#/properties/features/type", keyword: "type", params: { type: "array" }, message: "must be array" };
        if (vErrors === null) {
          vErrors = [err17];
        } else {
          vErrors.push(err17);
        }
        errors++;
      }
    }
    if (data.contractEnd !== void 0 && func0.call(data, "contractEnd")) {
      let data4 = data.contractEnd;
      if (typeof data4 === "string") {
        if (func65(data4) > 20) {
          const err18 = { instancePath: instancePath + "/contractEnd", schemaPath: "#/properties/contractEnd/maxLength", keyword: "maxLength", params: { limit: 20 }, message: "must NOT have more than 20 characters" };
          if (vErrors === null) {
            vErrors = [err18];
          } else {
            vErrors.push(err18);
          }
          errors++;
        }
        if (func65(data4) < 20) {
          const err19 = { instancePath: instancePath + "/contractEnd", schemaPath: "#/properties/contractEnd/minLength", keyword: "minLength", params: { limit: 20 }, message: "must NOT have fewer than 20 characters" };
          if (vErrors === null) {
            vErrors = [err19];
          } else {
            vErrors.push(err19);
          }
          errors++;
        }
        if (!pattern7.test(data4)) {
          const err20 = { instancePath: instancePath + "/contractEnd", schemaPath: "#/properties/contractEnd/pattern", keyword: "pattern", params: { pattern: "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$" }, message: 'must match pattern "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T00:00:00Z$"' };
          if (vErrors === null) {
            vErrors = [err20];
          } else {
            vErrors.push(err20);
          }
          errors++;
        }
        if (!formats0(data4)) {
          const err21 = { instancePath: instancePath + "/contractEnd", schemaPath: "#/properties/contractEnd/format", keyword: "format", params: { format: "date-time" }, message: 'must match format "date-time"' };
          if (vErrors === null) {
            vErrors = [err21];
          } else {
            vErrors.push(err21);
          }
          errors++;
        }
      } else {
        const err22 = { instancePath: instancePath + "/contractEnd", schemaPath: "#/properties/contractEnd/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err22];
        } else {
          vErrors.push(err22);
        }
        errors++;
      }
    }
    if (data.dataRegion !== void 0 && func0.call(data, "dataRegion")) {
      let data5 = data.dataRegion;
      if (typeof data5 === "string") {
        if (func65(data5) > 64) {
          const err23 = { instancePath: instancePath + "/dataRegion", schemaPath: "#/properties/dataRegion/maxLength", keyword: "maxLength", params: { limit: 64 }, message: "must NOT have more than 64 characters" };
          if (vErrors === null) {
            vErrors = [err23];
          } else {
            vErrors.push(err23);
          }
          errors++;
        }
        if (!pattern8.test(data5)) {
          const err24 = { instancePath: instancePath + "/dataRegion", schemaPath: "#/properties/dataRegion/pattern", keyword: "pattern", params: { pattern: "^[a-z][a-z0-9]{1,15}(-[a-z0-9]{1,16}){0,3}$" }, message: 'must match pattern "^[a-z][a-z0-9]{1,15}(-[a-z0-9]{1,16}){0,3}$"' };
          if (vErrors === null) {
            vErrors = [err24];
          } else {
            vErrors.push(err24);
          }
          errors++;
        }
      } else {
        const err25 = { instancePath: instancePath + "/dataRegion", schemaPath: "#/properties/dataRegion/type", keyword: "type", params: { type: "string" }, message: "must be string" };
        if (vErrors === null) {
          vErrors = [err25];
        } else {
          vErrors.push(err25);
        }
        errors++;
      }
    }
  } else {
    const err26 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object" };
    if (vErrors === null) {
      vErrors = [err26];
    } else {
      vErrors.push(err26);
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
