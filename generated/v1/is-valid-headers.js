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

// guard.js
var ucs2length = require_ucs2length().default;
var hasOwn = Object.prototype.hasOwnProperty;
var pattern0 = new RegExp("^application/(?:json|jose|vnd\\.telemetry-contract\\.probe\\+json)(?:; ?charset=(?:utf|UTF)-8)?$", "u");
var pattern1 = new RegExp("^msg_[0-9a-f]{64}$", "u");
var pattern2 = new RegExp("^[0-9]{1,12}$", "u");
var pattern3 = new RegExp("^v1,[A-Za-z0-9+/]{43}=(?: v1,[A-Za-z0-9+/]{43}=){0,7}$", "u");
var pattern4 = new RegExp("^[A-Za-z0-9%._~!*'()-]{1,768}$", "u");
var pattern5 = new RegExp("^[A-Za-z0-9._-]{1,128}$", "u");
var pattern6 = new RegExp("^[1-9][0-9]{0,3}$", "u");
function isValid(v0) {
  if (!(typeof v0 === "object" && v0 !== null && !Array.isArray(v0))) return false;
  if (v0["content-type"] === void 0 || v0["webhook-id"] === void 0 || v0["webhook-timestamp"] === void 0 || v0["webhook-signature"] === void 0 || v0["x-telemetry-customer"] === void 0 || v0["x-telemetry-license-id"] === void 0 || v0["x-telemetry-schema-version"] === void 0) return false;
  if (!(hasOwn.call(v0, "content-type") && hasOwn.call(v0, "webhook-id") && hasOwn.call(v0, "webhook-timestamp") && hasOwn.call(v0, "webhook-signature") && hasOwn.call(v0, "x-telemetry-customer") && hasOwn.call(v0, "x-telemetry-license-id") && hasOwn.call(v0, "x-telemetry-schema-version"))) return false;
  {
    const v2 = v0["content-type"];
    if (!(typeof v2 === "string")) return false;
    if (v2.length > 64 && ucs2length(v2) > 64) return false;
    if (!pattern0.test(v2)) return false;
  }
  {
    const v4 = v0["webhook-id"];
    if (!(typeof v4 === "string")) return false;
    if (v4.length > 68 && ucs2length(v4) > 68) return false;
    if (!pattern1.test(v4)) return false;
  }
  {
    const v6 = v0["webhook-timestamp"];
    if (!(typeof v6 === "string")) return false;
    if (v6.length > 12 && ucs2length(v6) > 12) return false;
    if (!pattern2.test(v6)) return false;
  }
  {
    const v8 = v0["webhook-signature"];
    if (!(typeof v8 === "string")) return false;
    if (v8.length > 391 && ucs2length(v8) > 391) return false;
    if (!pattern3.test(v8)) return false;
  }
  {
    const v10 = v0["x-telemetry-customer"];
    if (!(typeof v10 === "string")) return false;
    if (v10.length > 768 && ucs2length(v10) > 768) return false;
    if (!pattern4.test(v10)) return false;
  }
  {
    const v12 = v0["x-telemetry-license-id"];
    if (!(typeof v12 === "string")) return false;
    if (v12.length > 128 && ucs2length(v12) > 128) return false;
    if (!pattern5.test(v12)) return false;
  }
  {
    const v14 = v0["x-telemetry-schema-version"];
    if (!(typeof v14 === "string")) return false;
    if (v14.length > 4 && ucs2length(v14) > 4) return false;
    if (!pattern6.test(v14)) return false;
  }
  return true;
}
export {
  isValid as default
};
