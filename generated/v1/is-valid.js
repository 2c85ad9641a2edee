// generated from schema/v1.ts by `npm run generate`; do not edit
var __getOwnPropNames = Object.getOwnPropertyNames;
var __commonJS = (cb, mod) => function __require() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};

// node_modules/ajv/dist/runtime/ucs2length.js
var require_ucs2length = __commonJS({
  "node_modules/ajv/dist/runtime/ucs2length.js"(exports) {
    "use strict";
    Object.defineProperty(exports, "__esModule", { value: true });
    function ucs2length2(str) {
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
    exports.default = ucs2length2;
    ucs2length2.code = 'require("ajv/dist/runtime/ucs2length").default';
  }
});

// src/contract/formats.ts
var DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
var LEAP_SECOND_DAYS = new Set(
  "1960-12-31 1961-07-31 1961-12-31 1963-10-31 1963-12-31 1964-03-31 1964-08-31 1964-12-31 1965-02-28 1965-06-30 1965-08-31 1965-12-31 1968-01-31 1971-12-31 1972-06-30 1972-12-31 1973-12-31 1974-12-31 1975-12-31 1976-12-31 1977-12-31 1978-12-31 1979-12-31 1981-06-30 1982-06-30 1983-06-30 1985-06-30 1987-12-31 1989-12-31 1990-12-31 1992-06-30 1993-06-30 1994-06-30 1995-12-31 1997-06-30 1998-12-31 2005-12-31 2008-12-31 2012-06-30 2015-06-30 2016-12-31".split(" ")
);
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
var formats = { "date-time": isDateTime };

// src/contract/unique-items.ts
function uniquePrimitives(items) {
  let i = 1;
  while (i < items.length) {
    const a = items[i - 1];
    const b = items[i];
    if (!(typeof a === typeof b && a < b)) break;
    i++;
  }
  if (i >= items.length) return true;
  if (items.length <= 16) {
    for (let i2 = 1; i2 < items.length; i2++) for (let j = 0; j < i2; j++) if (items[i2] === items[j]) return false;
    return true;
  }
  return new Set(items).size === items.length;
}

// guard.js
var ucs2length = require_ucs2length().default;
var hasOwn = Object.prototype.hasOwnProperty;
var index0 = /* @__PURE__ */ new Map([["schemaVersion", 1], ["periodStart", 2], ["periodEnd", 4], ["activeSeats", 8], ["policiesActive", 16], ["policyExecutionsCount", 32], ["totalProvisionedSeats", 64], ["seatLimitHit", 128], ["featuresUsed", 256], ["appVersion", 512], ["nodeVersion", 1024]]);
var pattern1 = new RegExp("^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T00:00:00Z$", "u");
var format2 = formats["date-time"];
var pattern3 = new RegExp("^[a-z][a-z0-9._-]{0,63}$", "u");
var pattern4 = new RegExp("^[0-9a-f]{7,40}$", "u");
var pattern5 = new RegExp("^[1-9][0-9]{0,2}$", "u");
function isValid(v0) {
  if (!(typeof v0 === "object" && v0 !== null && !Array.isArray(v0))) return false;
  if (v0["schemaVersion"] === void 0 || v0["periodStart"] === void 0 || v0["periodEnd"] === void 0 || v0["activeSeats"] === void 0 || v0["policiesActive"] === void 0 || v0["policyExecutionsCount"] === void 0 || v0["totalProvisionedSeats"] === void 0 || v0["seatLimitHit"] === void 0 || v0["featuresUsed"] === void 0) return false;
  let own1 = 0;
  {
    const keys2 = Object.keys(v0);
    for (let i = 0; i < keys2.length; i++) {
      const b = index0.get(keys2[i]);
      if (b === void 0) return false;
      own1 |= b;
    }
  }
  if ((own1 & 511) !== 511 && !(hasOwn.call(v0, "schemaVersion") && hasOwn.call(v0, "periodStart") && hasOwn.call(v0, "periodEnd") && hasOwn.call(v0, "activeSeats") && hasOwn.call(v0, "policiesActive") && hasOwn.call(v0, "policyExecutionsCount") && hasOwn.call(v0, "totalProvisionedSeats") && hasOwn.call(v0, "seatLimitHit") && hasOwn.call(v0, "featuresUsed"))) return false;
  {
    const v3 = v0["schemaVersion"];
    if (!Number.isInteger(v3)) return false;
    if (v3 !== 1) return false;
  }
  {
    const v5 = v0["periodStart"];
    if (!(typeof v5 === "string")) return false;
    if (v5.length < 20 || v5.length < 40 && ucs2length(v5) < 20 || v5.length > 20 && ucs2length(v5) > 20) return false;
    if (!pattern1.test(v5)) return false;
    if (!format2(v5)) return false;
  }
  {
    const v7 = v0["periodEnd"];
    if (!(typeof v7 === "string")) return false;
    if (v7.length < 20 || v7.length < 40 && ucs2length(v7) < 20 || v7.length > 20 && ucs2length(v7) > 20) return false;
    if (!pattern1.test(v7)) return false;
    if (!format2(v7)) return false;
  }
  {
    const v9 = v0["activeSeats"];
    if (!Number.isInteger(v9)) return false;
    if (v9 < 0) return false;
    if (v9 > 9007199254740991) return false;
  }
  {
    const v11 = v0["policiesActive"];
    if (!Number.isInteger(v11)) return false;
    if (v11 < 0) return false;
    if (v11 > 9007199254740991) return false;
  }
  {
    const v13 = v0["policyExecutionsCount"];
    if (!Number.isInteger(v13)) return false;
    if (v13 < 0) return false;
    if (v13 > 9007199254740991) return false;
  }
  {
    const v15 = v0["totalProvisionedSeats"];
    if (!Number.isInteger(v15)) return false;
    if (v15 < 0) return false;
    if (v15 > 9007199254740991) return false;
  }
  {
    const v17 = v0["seatLimitHit"];
    if (!(typeof v17 === "boolean")) return false;
  }
  {
    const v19 = v0["featuresUsed"];
    if (!Array.isArray(v19)) return false;
    if (v19.length > 256) return false;
    for (let i = 0; i < v19.length; i++) {
      const v20 = v19[i];
      if (!(typeof v20 === "string")) return false;
      if (v20.length > 64 && ucs2length(v20) > 64) return false;
      if (!pattern3.test(v20)) return false;
    }
    if (!uniquePrimitives(v19)) return false;
  }
  {
    const v23 = v0["appVersion"];
    if (v23 !== void 0 && ((own1 & 512) !== 0 || hasOwn.call(v0, "appVersion"))) {
      if (!(typeof v23 === "string")) return false;
      if (v23.length < 7 || v23.length < 14 && ucs2length(v23) < 7 || v23.length > 40 && ucs2length(v23) > 40) return false;
      if (!pattern4.test(v23)) return false;
    }
  }
  {
    const v25 = v0["nodeVersion"];
    if (v25 !== void 0 && ((own1 & 1024) !== 0 || hasOwn.call(v0, "nodeVersion"))) {
      if (!(typeof v25 === "string")) return false;
      if (v25.length > 3 && ucs2length(v25) > 3) return false;
      if (!pattern5.test(v25)) return false;
    }
  }
  return true;
}
export {
  isValid as default
};
